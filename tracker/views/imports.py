"""Bulk import pages of the tracker's master data (stations, sections, outlets, users): each is the shared
upload → preview → confirm page of `tracker.imports` over its `Importer`; the importer re-checks the capability."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from ..common.access import capability_required
from ..imports import import_page, template_download
from ..master_imports import OutletImporter, SectionImporter, StationImporter, UserImporter


@capability_required("import_master_data")
def station_import(request):
    return import_page(
        request,
        StationImporter(),
        template_url=reverse("tracker:station_template"),
        done_url=reverse("tracker:air_index"),
        back_url=reverse("tracker:air_index"),
        back_label=_("大气污染防治"),
    )


@capability_required("import_master_data")
def station_template(request):
    return template_download(request, StationImporter())


@capability_required("import_master_data")
def section_import(request):
    return import_page(
        request,
        SectionImporter(),
        template_url=reverse("tracker:section_template"),
        done_url=reverse("tracker:water_index"),
        back_url=reverse("tracker:water_index"),
        back_label=_("水环境"),
    )


@capability_required("import_master_data")
def section_template(request):
    return template_download(request, SectionImporter())


@capability_required("import_master_data")
def outlet_import(request):
    return import_page(
        request,
        OutletImporter(),
        template_url=reverse("tracker:outlet_template"),
        done_url=reverse("tracker:outlet_list"),
        back_url=reverse("tracker:outlet_list"),
        back_label=_("排口台账"),
    )


@capability_required("import_master_data")
def outlet_template(request):
    return template_download(request, OutletImporter())


@capability_required("manage_users")
def user_import(request):
    return import_page(
        request,
        UserImporter(),
        template_url=reverse("tracker:user_template"),
        done_url=reverse("tracker:unit_list"),
        back_url=reverse("tracker:unit_list"),
        back_label=_("责任单位"),
        intro=_("表中不填密码：新用户的初始密码在导入后显示一次。"),
    )


@capability_required("manage_users")
def user_template(request):
    return template_download(request, UserImporter())
