"""The template of the rectification item list upload (问题清单): the headers the upload reads, drop-downs of
units, lead departments, areas and terms, and an example row on the instructions sheet the upload accepts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.choices import UnitKind
from tracker.common.import_templates import template_workbook
from tracker.imports import zh_labels
from tracker.models import Unit

from .choices import Area, Term
from .services import IMPORT_COLUMNS


def items_template() -> bytes:
    headers = [names[0] for names in IMPORT_COLUMNS.values()]
    units = list(Unit.objects.order_by("sort_order", "code").values_list("name", "kind"))
    departments = [n for n, k in units if k == UnitKind.DEPARTMENT]
    territories = [n for n, k in units if k != UnitKind.DEPARTMENT] or [n for n, _k in units]
    deadline = timezone.localdate() + dt.timedelta(days=90)
    example = [
        "DC-2026-001",
        "城区某河段存在生活污水直排",
        zh_labels(Area)[1] if len(zh_labels(Area)) > 1 else zh_labels(Area)[0],
        territories[0] if territories else "市中区",
        departments[0] if departments else "",
        "王五",
        deadline.isoformat(),
        "完成截污纳管",
        zh_labels(Term)[0],
    ]
    return template_workbook(
        headers=headers,
        choices={2: zh_labels(Area), 3: [n for n, _k in units], 4: departments, 8: zh_labels(Term)},
        example=example,
        notes=[
            _("问题编号在全市唯一；责任单位、牵头部门、领域、整改期限类型从下拉列表选择（也可填单位代码）。"),
            _("整改时限如 2026-06-30；牵头部门须为市级部门，可空。"),
            _("整个文件先逐行检查，有任何一行出错则一行也不导入。"),
        ],
    )
