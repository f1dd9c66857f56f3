from django.urls import path

from . import reserve_views, views

app_name = "projects"

urlpatterns = [
    path("", views.index, name="index"),
    path("ranking.xlsx", views.ranking_export, name="ranking_export"),
    path("ledger/", views.project_list, name="project_list"),
    path("funds/", views.fund_list, name="fund_list"),
    path("payments/", views.payment_list, name="payment_list"),
    path("ledger/import/", views.project_import, name="project_import"),
    path("ledger/template.xlsx", views.project_template, name="project_template"),
    path("funds/import/", views.fund_import, name="fund_import"),
    path("funds/template.xlsx", views.fund_template, name="fund_template"),
    path("reserve/propose/", reserve_views.proposal_create, name="proposal_create"),
    path("reserve/proposals/", reserve_views.proposal_queue, name="proposal_queue"),
    path("reserve/proposals/<int:pk>/decide/", reserve_views.proposal_decide, name="proposal_decide"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/payments/", views.payment_create, name="payment_create"),
    path("<int:pk>/payments/<int:payment_pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("<int:pk>/stage/", views.stage_change, name="stage_change"),
    path("<int:pk>/milestones/", views.milestones_set, name="milestones_set"),
    path("<int:pk>/progress/", views.progress_create, name="progress_create"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo_download, name="photo_download"),
    path("pilots/", views.pilot_list, name="pilot_list"),
    path("pilots/<int:pk>/", views.pilot_detail, name="pilot_detail"),
    path(
        "pilots/<int:pk>/milestones/<int:milestone_pk>/done/", views.pilot_milestone_done, name="pilot_milestone_done"
    ),
]
