"""seed_demo builds the demo city idempotently; Plotly is vendored, never from a CDN."""

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from guardian.models import UserObjectPermission

from tracker.models import Unit, User, WarZone

ROOT = Path(__file__).resolve().parents[2]


def _snapshot():
    return {
        "units": sorted(Unit.objects.values_list("code", "name", "kind", "war_zone__code")),
        "zones": sorted(WarZone.objects.values_list("code", "lead_unit__code")),
        "users": sorted(User.objects.values_list("username", "password", "unit__code")),
        "groups": sorted(Group.objects.values_list("name", "user__username")),
        "grants": UserObjectPermission.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_builds_the_city_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", "--password", "Demo-pass-123", "--only", "tracker.demo", stdout=out)
    first = _snapshot()
    names = set(Unit.objects.values_list("name", flat=True))
    assert {"井研县", "五通桥区", "沐川县", "犍为县", "乐山高新区"} <= names
    assert WarZone.objects.count() == 5
    assert set(WarZone.objects.values_list("name", flat=True)) == {
        "东部战区",
        "西部战区",
        "南部战区",
        "北部战区",
        "中部战区",
    }
    # Every zone's lead is one of its members.
    for zone in WarZone.objects.all():
        assert zone.lead_unit.war_zone_id == zone.pk
    assert "jingyan" in out.getvalue() and "leader" in out.getvalue() and "inspector" in out.getvalue()

    call_command("seed_demo", "--password", "Other-pass-456", "--only", "tracker.demo", stdout=StringIO())
    assert _snapshot() == first


def test_plotly_is_vendored_from_the_installed_package_without_remote_urls():
    from tracker.management.commands.vendor_plotly import REMOTE_TO_LOCAL, vendored_plotly_bytes

    vendored = (ROOT / "static" / "vendor" / "plotly" / "plotly.min.js").read_bytes()
    # same version as the installed package (re-run `manage.py vendor_plotly` after an upgrade)…
    assert hashlib.sha256(vendored).digest() == hashlib.sha256(vendored_plotly_bytes()).digest()
    # …and it names no host on the internet
    assert not any(remote in vendored for remote in REMOTE_TO_LOCAL)
    assert b"https://cdn." not in vendored and b"cdn.jsdelivr" not in vendored


def test_no_page_loads_anything_from_the_internet():
    offenders = []
    for folder in ("templates", "static/css"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".html", ".css", ".js"}:
                text = path.read_text(encoding="utf-8", errors="ignore")
                if "http://" in text or "https://" in text:
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
