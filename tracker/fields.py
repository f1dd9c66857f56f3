"""Form fields every app uses for what people type: dates within a plausible range, bounded numbers."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tracker.dates import local_date

# The longest free text a person may type in one box (a progress report, a comment, a note): a page of text.
# Without a bound one report of 200,000 characters was accepted and slowed every page that lists it.
TEXT_MAX_CHARS = 2000

# The platform records the work of this century; a date outside is a typo (0001-01-01, 9999-12-31), not history.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def check_text_length(value: str | None, label: str = "") -> None:
    """Raise ValidationError when `value` is longer than TEXT_MAX_CHARS (services call it; forms set max_length)."""
    if value is not None and len(value) > TEXT_MAX_CHARS:
        raise ValidationError(
            _("%(label)s不能超过 %(n)d 个字（现有 %(len)d 个）。"),
            params={"label": label or _("文字"), "n": TEXT_MAX_CHARS, "len": len(value)},
            code="text_length",
        )


def check_plausible_date(value: date | None) -> None:
    """Raise ValidationError for a date (or a moment, by its Beijing date) outside EARLIEST_DATE…LATEST_DATE.

    Services call it too, and the admin's date and datetime fields (`tracker.common.admin`)."""
    day = local_date(value)
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("日期 %(d)s 超出允许范围（%(lo)s 至 %(hi)s）。"),
            params={"d": day.isoformat(), "lo": EARLIEST_DATE.isoformat(), "hi": LATEST_DATE.isoformat()},
            code="date_range",
        )


class DateField(forms.DateField):
    """A date typed in a browser date picker, refused outside the plausible range."""

    default_validators = [check_plausible_date]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)
