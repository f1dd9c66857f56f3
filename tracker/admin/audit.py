from django.contrib import admin

from ..models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """The trigger-written history: readable, never editable (the table itself refuses UPDATE/DELETE)."""

    list_display = ("changed_at", "table_name", "row_pk", "action", "app_user", "db_user")
    list_filter = ("table_name", "action")
    search_fields = ("row_pk",)
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
