"""Logging in and out: clear messages, throttling per (username, address), Argon2, styled errors."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory
from tracker.choices import Role

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "生态环境工作调度平台" in body and "用户名" in body and "密码" in body


def test_wrong_password_shows_a_clear_message(client, official_a):
    response = _login(client, "official_a", "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_lands_on_own_home_and_rotates_session(client, official_a):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    response = _login(client, "official_a", "Test-pass-123")
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.cookies["sessionid"].value != (before.value if before else None)
    home = client.get(reverse("home"))
    assert "井研县" in home.content.decode()


def test_repeated_failures_lock_that_username_at_that_address_only(client, official_a, official_b):
    for _ in range(5):
        _login(client, "official_a", "wrong-password")
    locked = _login(client, "official_a", "Test-pass-123")
    assert locked.status_code == 429
    assert "暂时锁定" in locked.content.decode() or "暂停登录" in locked.content.decode()
    # A colleague behind the same office address can still log in.
    colleague = _login(client, "official_b", "Test-pass-123")
    assert colleague.status_code == 302
    # And the same person from another address is not locked.
    client.logout()
    elsewhere = _login(client, "official_a", "Test-pass-123", ip="10.9.9.9")
    assert elsewhere.status_code == 302


def test_logout_invalidates_the_session(client, official_a):
    client.force_login(official_a)
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # back to log in


def test_passwords_are_hashed_with_argon2():
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        assert make_password("Some-pass-123").startswith("argon2$")
    from config import settings as config_settings  # the module itself: conftest swaps the hasher for speed

    assert config_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_unknown_url_gives_styled_404(client, leader):
    client.force_login(leader)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "返回首页" in body


@override_settings(ROOT_URLCONF="tests.core.urls_boom")
def test_server_error_gives_styled_500_without_traceback(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统暂时出错" in body and "Traceback" not in body


def test_user_without_role_is_told_to_ask_admin(client):
    user = UserFactory(username="norole")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


def test_inactive_official_cannot_log_in(client, unit_a):
    UserFactory(username="gone", unit=unit_a, role=Role.COUNTY_OFFICIAL, is_active=False)
    response = _login(client, "gone", "Test-pass-123")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- behind the documented reverse proxy (compose: AXES_PROXY_COUNT=1) ---------------------------------------
PROXY = "172.18.0.2"


def _login_via_proxy(client, username, password, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_proxy_an_attackers_failures_do_not_lock_the_user_elsewhere(client, settings, official_a):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _login_via_proxy(client, "official_a", "wrong-password", "203.0.113.9")
    assert _login_via_proxy(client, "official_a", "Test-pass-123", "203.0.113.9").status_code == 429
    client.logout()
    # Every request reaches Django from the proxy's address; the real user comes from another client address.
    assert _login_via_proxy(client, "official_a", "Test-pass-123", "198.51.100.7").status_code == 302


def test_behind_a_proxy_a_spoofed_left_entry_does_not_escape_the_lock(client, settings, official_a):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        # The attacker sends his own X-Forwarded-For; the proxy appends the real address on the right.
        _login_via_proxy(client, "official_a", "wrong-password", f"10.0.0.{n}, 203.0.113.9")
    locked = _login_via_proxy(client, "official_a", "Test-pass-123", "10.0.0.99, 203.0.113.9")
    assert locked.status_code == 429


def test_client_ip_reads_the_nth_entry_from_the_right(rf, settings):
    from tracker.net import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == PROXY  # no proxy configured: the header is not believed
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4, 10.0.0.1")
    assert client_ip(request) == "1.2.3.4"  # two proxies: the second entry from the right
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert client_ip(request) == PROXY  # shorter than the proxy chain: fall back
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="junk, <script>")
    assert client_ip(request) == PROXY  # not an address: fall back
