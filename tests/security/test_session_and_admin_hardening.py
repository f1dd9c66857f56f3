"""Item 14 of the audit: caching of private pages, password change, token expiry and scopes, the admin's
audit person, admin pages that must not fail, and no debug URL listing when DEBUG is on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import JsonResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import IndicatorFactory, TargetFactory
from tracker.common.api import token_required
from tracker.models import ApiToken

pytestmark = pytest.mark.django_db


# --- Cache-Control ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("url_name", ["home", "projects:index", "projects:ranking_export", "password_change"])
def test_authenticated_pages_and_exports_are_private_and_not_stored(client, leader, url_name):
    client.force_login(leader)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_a_file_download_is_private_too(client, official_a, world):
    client.force_login(official_a)
    ev = world["A"].objects["item"].evidence.first()
    response = client.get(reverse("rectifications:evidence", args=[ev.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


# --- password change ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["official_a", "dept_official", "leader", "inspector", "admin"])
def test_every_person_can_change_their_own_password(client, actors, who):
    user = actors[who]
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": "Test-pass-123", "new_password1": "Lvse-Shanshui-2026", "new_password2": "Lvse-Shanshui-2026"},
    )
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Lvse-Shanshui-2026")
    assert client.get(reverse("home")).status_code == 200  # still logged in on this browser


def test_password_change_needs_the_old_password_and_a_strong_new_one(client, official_a):
    client.force_login(official_a)
    wrong_old = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Lvse-Shanshui-2026", "new_password2": "Lvse-Shanshui-2026"},
    )
    assert wrong_old.status_code == 200 and "当前密码不正确" in wrong_old.content.decode()
    weak = client.post(
        reverse("password_change"),
        {"old_password": "Test-pass-123", "new_password1": "12345", "new_password2": "12345"},
    )
    assert weak.status_code == 200
    official_a.refresh_from_db()
    assert official_a.check_password("Test-pass-123")


def test_the_page_header_links_to_the_password_change(client, official_a):
    client.force_login(official_a)
    assert reverse("password_change") in client.get(reverse("home")).content.decode()


# --- API tokens ---------------------------------------------------------------------------------------------
def _call(token):
    view = token_required("air.readings")(lambda request: JsonResponse({"ok": True}))
    return view(RequestFactory().post("/x", HTTP_AUTHORIZATION=f"Bearer {token}"))


def test_an_expired_token_is_refused(settings):
    row, token = ApiToken.issue(name="监测平台", scopes="air.readings")
    assert _call(token).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _call(token)
    assert response.status_code == 401 and "过期" in response.content.decode()


def test_a_token_expires_after_the_configured_days(settings):
    settings.API_TOKEN_DAYS = 30
    before = timezone.now()
    row, _ = ApiToken.issue(name="监测平台", scopes="air.readings")
    assert before + timedelta(days=30) <= row.expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.parametrize("scopes", ["air.reading", "admin", "*", "", "air.readings,everything"])
def test_only_known_scopes_can_be_issued(scopes):
    with pytest.raises(ValidationError):
        ApiToken.issue(name="x", scopes=scopes)
    assert not ApiToken.objects.exists()


def test_scopes_are_normalised():
    row, _ = ApiToken.issue(name="x", scopes=" water.readings , air.readings,air.readings")
    assert row.scopes == "air.readings,water.readings"


def test_the_issue_command_refuses_an_unknown_scope():
    with pytest.raises(CommandError, match="无效"):
        call_command("issue_api_token", "x", "--scopes", "air.readngs")


def test_admin_cannot_save_an_unknown_scope(client, admin_user):
    row, _ = ApiToken.issue(name="x", scopes="air.readings")
    client.force_login(admin_user)
    url = reverse("admin:tracker_apitoken_change", args=[row.pk])
    response = client.post(
        url,
        {"name": "x", "scopes": "root", "is_active": "on", "expires_at_0": "2030-01-01", "expires_at_1": "00:00:00"},
    )
    assert response.status_code == 200  # the form again, with the error
    row.refresh_from_db()
    assert row.scopes == "air.readings"


# --- the admin site ------------------------------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the audit triggers are PostgreSQL only")
def test_an_admin_edit_is_audited_under_the_admin(client, admin_user, unit_a):
    target = TargetFactory(indicator=IndicatorFactory(code="ind_x", name="指标X"), unit=unit_a, value=80.0)
    client.force_login(admin_user)
    url = reverse("admin:targets_target_change", args=[target.pk])
    response = client.post(
        url, {"indicator": target.indicator_id, "unit": unit_a.pk, "year": target.year, "value": "85", "baseline": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT app_user FROM audit_log WHERE table_name = 'targets_target' AND row_pk = %s AND action = 'UPDATE'",
            [str(target.pk)],
        )
        assert cur.fetchall() == [(str(admin_user.pk),)]
    listing = client.get(reverse("admin:tracker_auditlog_changelist"))
    assert listing.status_code == 200 and admin_user.full_name in listing.content.decode()


@pytest.mark.parametrize("model", ["notice", "progressreport", "evidence"])
def test_admin_cannot_add_records_that_only_services_write(client, admin_user, model):
    client.force_login(admin_user)
    url = reverse(f"admin:rectifications_{model}_add")
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


def test_the_notice_list_opens(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:rectifications_notice_changelist")).status_code == 200


def test_the_audit_list_on_sqlite_says_why_it_is_empty(client, admin_user, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the local demo database: no audit_log table
    client.force_login(admin_user)
    response = client.get(reverse("admin:tracker_auditlog_changelist"))
    assert response.status_code == 200
    assert "不记录审计" in response.content.decode()


# --- DEBUG on: no URL listing ---------------------------------------------------------------------------------
def test_with_debug_on_an_unknown_url_shows_the_platform_404(client, leader, settings):
    settings.DEBUG = True
    client.force_login(leader)
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "URLconf" not in body and "admin/" not in body


def test_with_debug_on_an_outsider_refused_with_404_sees_no_url_list(client, official_a, unit_b, settings):
    settings.DEBUG = True
    client.force_login(official_a)
    response = client.get(reverse("tracker:unit_detail", args=[unit_b.pk]))
    body = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in body and "URLconf" not in body
