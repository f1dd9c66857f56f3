from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("assessment/", views.index, name="index"),
    path("assessment/runs/<int:run_id>/export/", views.ranking_export, name="ranking_export"),
    path("assessment/runs/<int:run_id>/status/", views.run_status, name="run_status"),
    path("assessment/runs/<int:run_id>/publish/", views.run_publish, name="run_publish"),
    path("assessment/runs/<int:run_id>/units/<int:unit_id>/", views.unit_sheet, name="unit_sheet"),
    path("assessment/schemes/<int:scheme_id>/compute/", views.run_request, name="run_request"),
    path("assessment/indicators/", views.indicator_list, name="indicator_list"),
    path("assessment/targets/", views.target_list, name="target_list"),
    path("assessment/values/", views.value_list, name="value_list"),
    path("assessment/values/<int:pk>/submit/", views.value_submit, name="value_submit"),
    path("assessment/approval/", views.value_approval, name="value_approval"),
    path("assessment/approval/<int:pk>/approve/", views.value_approve, name="value_approve"),
    path("assessment/approval/<int:pk>/return/", views.value_return, name="value_return"),
    path("wastefree/", views.wastefree_index, name="wastefree_index"),
]
