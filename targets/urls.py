from django.urls import path

from . import followup_views, views
from .dashboards import views as dashboards

app_name = "targets"

urlpatterns = [
    path("assessment/", views.index, name="index"),
    path("assessment/runs/<int:run_id>/export/", views.ranking_export, name="ranking_export"),
    path("assessment/runs/<int:run_id>/status/", views.run_status, name="run_status"),
    path("assessment/runs/<int:run_id>/publish/", views.run_publish, name="run_publish"),
    path("assessment/runs/<int:run_id>/units/<int:unit_id>/", views.unit_sheet, name="unit_sheet"),
    path("assessment/schemes/<int:scheme_id>/compute/", views.run_request, name="run_request"),
    path("assessment/schemes/<int:scheme_id>/copy/", views.scheme_copy, name="scheme_copy"),
    path("assessment/first-quarter/", views.first_quarter, name="first_quarter"),
    path("assessment/indicators/", views.indicator_list, name="indicator_list"),
    path("assessment/targets/", views.target_list, name="target_list"),
    path("assessment/targets/template.xlsx", views.target_template, name="target_template"),
    path("assessment/targets/import/", views.target_import, name="target_import"),
    path("assessment/values/", views.value_list, name="value_list"),
    path("assessment/grid/", views.value_grid, name="value_grid"),
    path("assessment/approval/bulk/", views.value_approval_bulk, name="value_approval_bulk"),
    path("assessment/values/<int:pk>/submit/", views.value_submit, name="value_submit"),
    path("assessment/approval/", views.value_approval, name="value_approval"),
    path("assessment/approval/<int:pk>/approve/", views.value_approve, name="value_approve"),
    path("assessment/approval/<int:pk>/return/", views.value_return, name="value_return"),
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/city/", dashboards.city, name="dashboard_city"),
    path("dashboard/city/export.xlsx", dashboards.city_export, name="dashboard_city_export"),
    path("dashboard/city/panels/<int:item_id>/", dashboards.city_panel, name="dashboard_city_panel"),
    path("dashboard/map/", dashboards.city_map, name="dashboard_map"),
    path("dashboard/map/zones.xlsx", dashboards.zones_export, name="dashboard_zones_export"),
    path("dashboard/units/<int:unit_id>/", dashboards.unit_dashboard, name="dashboard_unit"),
    path("dashboard/units/<int:unit_id>/export.xlsx", dashboards.unit_export, name="dashboard_unit_export"),
    path("dashboard/inspector/", dashboards.inspector_dashboard, name="dashboard_inspector"),
    path("dashboard/inspector/export.xlsx", dashboards.inspector_export, name="dashboard_inspector_export"),
    path("wastefree/", views.wastefree_index, name="wastefree_index"),
    # 扣分风险跟踪督办: risks and who follows them, assignment (leaders, admins), one follow-up with its reports
    path("assessment/risks/", followup_views.risk_followups, name="risk_followups"),
    path("assessment/risks/assign/", followup_views.risk_followup_assign, name="risk_followup_assign"),
    path("assessment/risks/followups/<int:pk>/", followup_views.risk_followup_detail, name="risk_followup_detail"),
]
