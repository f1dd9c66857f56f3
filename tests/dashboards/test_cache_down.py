"""Redis down (issue 19, item 4): cache errors are misses, so every role's landing page and the dashboards
still render, from the database. The cache is the configured one, pointed at a port where nothing listens."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.faults.conftest import scratch_redis  # noqa: F401  (the fixture)


@pytest.fixture
def redis_down(settings):
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("REDIS_URL is not set: the cache is in-process")
    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused, as with Redis stopped
    settings.CACHES = {alias: {**conf, "LOCATION": dead} for alias, conf in settings.CACHES.items()}
    import redis
    from django.core.cache import caches

    with pytest.raises(redis.ConnectionError):  # the coordination cache stays strict: an error is an error
        caches["coordination"].get("x")
    return dead


@pytest.mark.parametrize(
    ("who", "marker"),
    [
        ("leader", "全市生态环境工作调度看板"),
        ("admin", "全市生态环境工作调度看板"),
        ("inspector", "督察整改看板"),
        ("official_a", "井研县 · 工作看板"),
    ],
)
def test_every_landing_page_renders_with_redis_down(client_for, actors, city, redis_down, who, marker):
    city(3)
    client = client_for(actors[who])
    for _ in range(2):  # the second request finds nothing cached either, and still renders
        response = client.get(reverse("home"))
        assert response.status_code == 200 and marker in response.content.decode()


def test_city_dashboard_and_map_render_with_redis_down(client_for, leader, city, redis_down):
    city(3)
    client = client_for(leader)
    assert client.get(reverse("targets:dashboard_city")).status_code == 200
    assert client.get(reverse("targets:dashboard_map")).status_code == 200
    assert cache.get("anything", "miss") == "miss"


@pytest.mark.slow
def test_pages_cached_in_a_real_redis_still_render_when_it_is_killed(
    client_for,
    leader,
    city,
    scratch_redis,  # noqa: F811  (the fixture imported above)
    settings,
):
    """A real redis-server holds the panels, then dies (SIGKILL): the pooled connections are broken, not refused."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("REDIS_URL is not set: the cache is in-process")
    settings.CACHES = {alias: {**conf, "LOCATION": scratch_redis.url} for alias, conf in settings.CACHES.items()}
    city(3)
    client = client_for(leader)
    assert client.get(reverse("home")).status_code == 200
    assert any(key.startswith(b":1:dash:") for key in _keys(scratch_redis.url))  # the panels were cached there
    scratch_redis.stop()
    again = client.get(reverse("home"))
    assert again.status_code == 200 and "全市生态环境工作调度看板" in again.content.decode()


def _keys(url):
    import redis

    return redis.Redis.from_url(url).keys("*")
