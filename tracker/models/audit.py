from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """One row change on an audited table, written by a PostgreSQL trigger (see tracker/common/audit.py). Read-only."""

    table_name = models.TextField(_("数据表"))
    row_pk = models.TextField(_("记录编号"))
    action = models.TextField(_("操作"))
    old = models.JSONField(_("修改前"), null=True)
    new = models.JSONField(_("修改后"), null=True)
    changed_at = models.DateTimeField(_("时间"))
    db_user = models.TextField(_("数据库用户"))
    app_user = models.TextField(_("操作人编号"), null=True)

    class Meta:
        managed = False
        db_table = "audit_log"
        ordering = ["-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"{self.table_name}#{self.row_pk} {self.action}"
