"""Data versions: one counter per watched table, bumped by the database itself on every write."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """How many writing statements (PostgreSQL) or rows (SQLite) a watched table has seen.

    Triggers keep it (`tracker.versions`), so a service, `QuerySet.update()`, a bulk COPY, the admin and psql all
    count. Readers that cache what they built from these tables key the cache by the versions: a write makes
    the old entries unreachable at the moment it commits, with no table-wide aggregate on every hit.
    """

    name = models.CharField(_("数据表"), max_length=63, primary_key=True)
    n = models.BigIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")
        db_table = "data_version"

    def __str__(self) -> str:
        return f"{self.name}={self.n}"
