from django.urls import path

from . import accountability_views, escalation_views, views

app_name = "rectifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("items/<int:pk>/", views.item_detail, name="detail"),
    path("items/<int:pk>/act/", views.item_act, name="act"),
    path("items/<int:pk>/report/", views.item_report, name="report"),
    path("items/<int:pk>/dossier.zip", views.item_dossier, name="dossier"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("queue/", views.queue, name="queue"),
    path("import/", views.import_items, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
    path("notices/<int:pk>/document/", views.notice_document, name="notice_document"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("bulletin/document/", views.bulletin_document, name="bulletin_document"),
    path("special/", views.special_list, name="special_list"),
    path("special/<int:pk>/", views.special_detail, name="special_detail"),
    path("directives/<int:pk>/done/", views.directive_done, name="directive_done"),
    path("review/", views.review_plans, name="review_plans"),
    path("review/<int:pk>/", views.review_plan, name="review_plan"),
    path("review/checks/<int:pk>/", views.review_check, name="review_check"),
    # 奖惩到人: the accountability ledger (scoped like the person's unit) and the record form
    path("accountability/", accountability_views.accountability_list, name="accountability_list"),
    path("accountability/new/", accountability_views.accountability_create, name="accountability_create"),
    # 转为整改问题, posted from the tracker pages of a monitoring warning and of a river patrol
    path("watch-warnings/<int:pk>/escalate/", escalation_views.warning_escalate_view, name="warning_escalate"),
    path("river-patrols/<int:pk>/to-item/", escalation_views.patrol_to_item_view, name="patrol_to_item"),
]
