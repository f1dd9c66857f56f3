from django.contrib import admin, messages
from django.db import connection
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import AuditLog, User


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """The trigger-written history: readable, never editable (the table itself refuses UPDATE/DELETE).

    The person is shown by name (app_user holds the id set by `tracker.common.audit.audit_user`). On SQLite, the local
    demo database, there are no triggers and no table: the list says so instead of failing.
    """

    list_display = ("changed_at", "table_name", "row_pk", "action", "person", "db_user")
    list_filter = ("table_name", "action")
    search_fields = ("row_pk",)
    date_hierarchy = "changed_at"

    def get_queryset(self, request):
        if connection.vendor != "postgresql":
            return AuditLog.objects.none()
        person = User.objects.filter(pk=Cast(OuterRef("app_user"), BigIntegerField()))
        return (
            super()
            .get_queryset(request)
            .annotate(
                person_name=Subquery(person.values("full_name")[:1]),
                person_username=Subquery(person.values("username")[:1]),
            )
        )

    @admin.display(description=_("操作人"))
    def person(self, obj):
        if not obj.app_user:
            return "—"
        name = getattr(obj, "person_name", None) or ""
        username = getattr(obj, "person_username", None) or f"#{obj.app_user}"
        return f"{name}（{username}）" if name else username

    def changelist_view(self, request, extra_context=None):
        if connection.vendor != "postgresql":
            self.message_user(
                request,
                gettext("审计记录由 PostgreSQL 触发器写入；当前使用 SQLite 演示数据库，不记录审计。"),
                messages.INFO,
            )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
