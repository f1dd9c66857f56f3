"""Error pages that tell the truth (issue 19, item 3), with PostgreSQL cut for real through a TCP proxy.

- the view commits, then the database goes away before the session is saved: "可能已保存，请刷新核对", not
  Django's bare "Bad Request (400)";
- the line breaks while COMMIT is on its way (the server commits, the reply never arrives): in doubt, so
  "可能已保存", not "没有保存";
- the database is unreachable from the start: "没有保存" stays true and is still said;
- any other bad request: a styled 400 page.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from targets import services
from targets.choices import ValueStatus
from targets.models import DataValue
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.slow

MAYBE = "可能已保存，请刷新核对"
NOT_SAVED = "您刚才的操作没有保存"


@pytest.fixture
def draft(official_a):
    ind = IndicatorFactory(code="fault_page", source="entered", area="wastefree")
    return services.data_value_save(
        user=official_a, indicator=ind, unit_id=official_a.unit_id, year=2026, month=3, value=50
    )


def _submit(client, official, draft):
    client.force_login(official)
    client.raise_request_exception = False
    return lambda: client.post(reverse("targets:value_submit", args=[draft.pk]), {"version": draft.version})


def _status_after(proxy, pk) -> str:
    """Read the row on a fresh connection, straight to PostgreSQL (the proxy is down)."""
    proxy.up()
    connection.close()
    return DataValue.objects.get(pk=pk).status


def test_a_session_save_on_a_dead_database_after_the_commit_says_it_may_be_saved(
    through_proxy, client, official_a, draft
):
    post = _submit(client, official_a, draft)
    through_proxy.down_after_next_commit()  # the service commits; the session save then finds no database
    response = post()
    body = response.content.decode()
    assert response.status_code == 503, body
    assert MAYBE in body and NOT_SAVED not in body and "Bad Request" not in body
    assert through_proxy.commits_seen == 1
    assert _status_after(through_proxy, draft.pk) == ValueStatus.SUBMITTED  # it was indeed saved


def test_an_in_doubt_commit_says_it_may_be_saved(through_proxy, client, official_a, draft):
    post = _submit(client, official_a, draft)
    through_proxy.cut_at_next_commit()  # COMMIT reaches the server, the reply never comes back
    response = post()
    body = response.content.decode()
    assert response.status_code == 503, body
    assert MAYBE in body and NOT_SAVED not in body
    assert _status_after(through_proxy, draft.pk) == ValueStatus.SUBMITTED  # the server did commit


def test_a_database_down_before_the_request_still_says_nothing_was_saved(through_proxy, client, official_a, draft):
    post = _submit(client, official_a, draft)
    through_proxy.down()
    response = post()
    body = response.content.decode()
    assert response.status_code == 503 and NOT_SAVED in body and MAYBE not in body
    assert _status_after(through_proxy, draft.pk) == ValueStatus.DRAFT


@pytest.mark.django_db
def test_a_bad_request_gets_the_styled_400_page(client):
    response = client.get("/", HTTP_HOST="not-allowed.example")  # DisallowedHost → 400
    body = response.content.decode()
    assert response.status_code == 400
    assert "请求无效" in body and "/static/css/site.css" in body and "<h1>Bad Request (400)</h1>" not in body
