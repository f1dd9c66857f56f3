from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The scopes a machine endpoint asks for (`tracker.common.api.token_required`). A token may carry only these: a typo
# ("air.reading") or an invented scope would otherwise be stored silently and fail only at the first post.
API_SCOPES = {
    "air.readings": _("写入空气监测日数据"),
    "water.readings": _("写入水质监测月数据"),
    "air.forecasts": _("写入空气质量预报"),
}


def normalise_scopes(value: str) -> str:
    """`value` as sorted, de-duplicated known scopes joined by commas; ValidationError for an unknown or none."""
    scopes = sorted({s.strip() for s in (value or "").split(",") if s.strip()})
    unknown = [s for s in scopes if s not in API_SCOPES]
    if unknown or not scopes:
        raise ValidationError(
            _("权限范围“%(bad)s”无效；可用：%(known)s。"),
            params={"bad": ",".join(unknown) or value, "known": ", ".join(sorted(API_SCOPES))},
            code="scope",
        )
    return ",".join(scopes)


def validate_scopes(value: str) -> None:
    normalise_scopes(value)


def default_expiry():
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for machine clients (the monitoring platform posting readings).

    Only the SHA-256 of the token is stored; the token itself is shown once when created. `scopes` is a
    comma-separated list such as `air.readings,water.readings`.
    """

    name = models.CharField(_("名称"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    scopes = models.CharField(
        _("权限范围"),
        max_length=200,
        validators=[validate_scopes],
        help_text=_("逗号分隔，如 air.readings,water.readings"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    expires_at = models.DateTimeField(_("失效时间"), default=default_expiry, help_text=_("到期后令牌自动失效"))
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
    def issue(cls, *, name: str, scopes: str, created_by=None, days: int | None = None) -> tuple[ApiToken, str]:
        """Create a token row and return it with the plain token (shown once, never stored).

        Only known scopes are accepted (ValidationError otherwise); the token expires after `days`
        (default settings.API_TOKEN_DAYS).
        """
        scopes = normalise_scopes(scopes)
        days = settings.API_TOKEN_DAYS if days is None else days
        if days <= 0:
            raise ValidationError(_("有效期必须大于 0 天。"))
        token = "eco_" + secrets.token_urlsafe(32)
        row = cls.objects.create(
            name=name,
            scopes=scopes,
            token_hash=cls.hash(token),
            prefix=token[4:12],
            created_by=created_by,
            expires_at=timezone.now() + timedelta(days=days),
        )
        return row, token

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def has_scope(self, scope: str) -> bool:
        return scope in {s.strip() for s in self.scopes.split(",")}
