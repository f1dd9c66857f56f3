"""Charts draw from JSON data blocks under a strict Content-Security-Policy, with no console errors."""

import pytest
from django.test import override_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@override_settings(ROOT_URLCONF="tests.browser.urls_chart")
def test_plotly_chart_draws_under_csp_without_violations(login, leader, live_server, page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login("leader")
    response = page.goto(f"{live_server.url}/chart/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".chart-drawn svg.main-svg")
    assert page.locator(".chart-drawn .bars path").count() == 2
    assert dialogs == []  # the title's </script> did not break out of the data block
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
