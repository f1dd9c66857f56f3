"""Templates for the monitoring-data uploads (air daily readings, water monthly readings): the headers the
upload reads (`READING_COLUMNS`, first name of each), drop-downs of the station / section codes and an example
row on the instructions sheet that the upload accepts as it is."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.import_templates import template_workbook

from .models import AirStation, WaterSection
from .services.air import READING_COLUMNS as AIR_COLUMNS
from .services.water import READING_COLUMNS as WATER_COLUMNS


def air_readings_template() -> bytes:
    headers = [names[0] for names in AIR_COLUMNS.values()]
    codes = list(AirStation.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    example = [codes[0] if codes else "51110000001", yesterday.isoformat(), 8, 25, 56, 0.7, 98, 35]
    return template_workbook(
        headers=headers,
        choices={0: codes},
        example=example,
        notes=[
            _("每行一个站点一天：站点编码从下拉列表选择；日期如 2026-03-01。"),
            _("浓度单位 µg/m³（CO 为 mg/m³，O3_8h 为日最大 8 小时平均），缺测留空；AQI 由系统按 HJ 633-2012 计算。"),
            _("整份文件先全部校验，有一行出错则不写入任何数据；同一站点同一天再次导入会覆盖原值。"),
        ],
    )


def water_readings_template() -> bytes:
    headers = [names[0] for names in WATER_COLUMNS.values()]
    codes = list(WaterSection.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
    first = timezone.localdate().replace(day=1)
    last_month = (first - dt.timedelta(days=1)).replace(day=1)
    example = [codes[0] if codes else "SC-0001", last_month.strftime("%Y-%m"), 7.2, 2.8, 12, 2.1, 0.35, 0.08]
    return template_workbook(
        headers=headers,
        choices={0: codes},
        example=example,
        notes=[
            _("每行一个断面一个月：断面编码从下拉列表选择；月份如 2026-03。"),
            _("监测指标单位 mg/L（透明度 m，叶绿素a mg/m³），未监测的留空；水质类别由系统按 GB 3838-2002 评价。"),
            _("整份文件先全部校验，有一行出错则不写入任何数据；同一断面同一月份再次导入会覆盖原数据。"),
        ],
    )
