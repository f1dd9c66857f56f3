import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The leaders' dashboard's templates: compiled once per process here, not inside the first leader's request.
WARM_TEMPLATES = (
    "targets/dashboards/city.html",
    "targets/dashboards/_city_body.html",
    "targets/dashboards/_city_due_cards.html",
    "targets/dashboards/_city_due.html",
    "targets/dashboards/_city_panel.html",
)


def _populate_reverse(resolver) -> None:
    """Build `resolver`'s reverse lookup in the active language, and that of every namespace under it (Django
    builds each lazily, per language, on the first reverse() that needs it)."""
    resolver.reverse_dict  # noqa: B018 (building it is the point)
    for _prefix, sub in resolver.namespace_dict.values():
        _populate_reverse(sub)


def _warm() -> None:
    """Do now, once per process, what its first request would otherwise do. Measured on the 2-core machine
    (bench_dashboard's cold-build lines, whose request lands on a worker that has served nothing yet, and the
    first leader after a deploy, a restart or a recycled worker):

    - import every view (Django imports the URLconf lazily, on the first request) and load plotly's figure
      classes: ~1.2 s;
    - the URL resolvers' reverse lookups, per language and namespace (the dashboard's first reverse() built them:
      ~0.1–0.25 s under load), the translation catalogues and format modules of each language;
    - the cache client (importing redis-py took ~0.1–0.25 s inside the first cache read), the template engine
      with its tag libraries and context processors, and the leaders' dashboard's templates, compiled;
    - the garbage collection all of this leaves pending (below).

    Nothing here connects to the database or to Redis."""
    import gc

    from django.conf import settings
    from django.core.cache import caches
    from django.template import engines
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import formats, translation
    from django.utils.module_loading import import_string

    from targets.dashboards import charts

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (the import is the point)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _populate_reverse(resolver)
            formats.get_format_modules(code)
    for alias in settings.CACHES:
        getattr(caches[alias], "_cache", None)  # the client object (and its library), no connection yet
    engines["django"].engine.template_context_processors  # noqa: B018
    for name in WARM_TEMPLATES:
        get_template(name)
    import_string(settings.MESSAGE_STORAGE)
    import pandas as pd

    pd.DataFrame({"a": [1]}).to_dict("records")  # pandas imports the method's module on first use
    charts.warm()
    # Last: a full garbage collection now, then every object left (modules, classes, compiled templates: ~200k,
    # alive as long as the process) moved out of the collector's sight. Otherwise the first request's allocations
    # set off the full collection the imports left pending: 126–163 ms of a cold dashboard request measured inside
    # a fresh gunicorn worker under load. (The usual pre-fork server practice; it also keeps those pages shared.)
    gc.collect()
    gc.freeze()


_warm()
