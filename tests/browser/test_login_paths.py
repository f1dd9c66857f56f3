"""Each person logs in through a real browser and lands on their own home page with their own menu."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_official_logs_in_and_sees_own_unit_home(login, official_a, live_server):
    page = login("official_a")
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "井研县 · 工作看板"  # the home page is the unit's dashboard
    assert page.locator(".mainnav a", has_text="系统管理").count() == 0


def test_admin_sees_system_admin_menu(login, admin_user):
    page = login("admin")
    assert page.locator(".mainnav a", has_text="系统管理").count() == 1


def test_wrong_password_shows_chinese_error(login, official_a):
    page = login("official_a", "wrong-password")
    assert "用户名或密码不正确" in page.locator(".form-errors").inner_text()


def test_language_switch_to_english_and_back(login, leader, live_server):
    page = login("leader")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
