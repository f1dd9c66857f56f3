import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm() -> None:
    """Do now, once per process, what its first request would otherwise do: import every view (Django imports the
    URLconf lazily, on the first request) and load plotly's figure classes. That first request paid ~1.2 s for it on
    the 2-core machine — the first leader after a deploy, a restart or a recycled worker, and bench_dashboard's
    cold-build lines, whose request lands on a worker that has served nothing yet."""
    from django.urls import get_resolver

    from targets.dashboards import charts

    get_resolver().url_patterns  # noqa: B018 (the import is the point)
    charts.warm()


_warm()
