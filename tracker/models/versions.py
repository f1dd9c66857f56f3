"""Data versions: a log of writing statements per watched table, appended by the database itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersionEntry(models.Model):
    """Writes a watched table has seen: a table's version is the sum of `n` over its rows.

    Triggers append the rows (`tracker.versions`): one per writing statement on PostgreSQL, so a service,
    `QuerySet.update()`, a bulk COPY, the admin and psql all count, and concurrent writers never wait for one
    another; readers fold a long log into one row per table without changing any sum. Readers that cache what
    they built from these tables key the cache by the versions: a write makes the old entries unreachable at the
    moment it commits, with no table-wide aggregate on every hit. (SQLite keeps one row per table.)
    """

    name = models.CharField(_("数据表"), max_length=63)
    n = models.BigIntegerField(_("写入次数"), default=1)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")
        db_table = "data_version_log"
        indexes = [models.Index(fields=["name"], name="data_version_log_name")]

    def __str__(self) -> str:
        return f"{self.name}+{self.n}"
