from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token for machine clients (the monitoring platform posting readings).

    Only the SHA-256 of the token is stored; the token itself is shown once when created. `scopes` is a
    comma-separated list such as `air.readings,water.readings`.
    """

    name = models.CharField(_("名称"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    scopes = models.CharField(_("权限范围"), max_length=200, help_text=_("逗号分隔，如 air.readings,water.readings"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, *, name: str, scopes: str, created_by=None) -> tuple[ApiToken, str]:
        """Create a token row and return it with the plain token (shown once, never stored)."""
        token = "eco_" + secrets.token_urlsafe(32)
        row = cls.objects.create(
            name=name, scopes=scopes, token_hash=cls.hash(token), prefix=token[4:12], created_by=created_by
        )
        return row, token

    def has_scope(self, scope: str) -> bool:
        return scope in {s.strip() for s in self.scopes.split(",")}
