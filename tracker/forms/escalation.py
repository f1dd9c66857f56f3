"""转为整改问题 on tracker pages: the form comes from the app that opens the item (`settings.ESCALATION_FORMS`),
so tracker imports no other app; the page posts it to that app's URL (named in the template)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.module_loading import import_string


def escalation_form(kind: str, **initial) -> forms.Form | None:
    """An unbound form for turning a `kind` record ("warning", "patrol") into a rectification item, or None when
    no installed app offers one."""
    path = getattr(settings, "ESCALATION_FORMS", {}).get(kind)
    return import_string(path)(initial=initial) if path else None
