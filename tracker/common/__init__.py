"""Infrastructure every app uses, kept apart from the domain it serves.

Why here and not in a top-level `core` app: the owner fixed the top level (manage.py, config/, tracker/,
targets/, projects/, rectifications/, templates/, static/, tests/). `tracker` is the app every other app
already depends on (units, roles, grants), so the shared pieces live in a package of it that imports no
domain module at import time: other apps may import `tracker.common`, `tracker.common` imports no app but
`tracker`'s own units and roles, and `config/` imports nothing from it but the context processor's path.

- `access`    roles → named capabilities, and the menu table next to them (decorators, context processor)
- `scoping`   `RestrictedQuerySet.restrict(user, action)` and `get_for_user_or_404`
- `workflow`  status workflows as data (`Workflow`), compare-and-set with `expected_version`, the stale message
- `claims`    Celery helpers: a periodic job claimed once per day, bounded redeliveries

The older shared modules (`tracker.common.tabular`, `uploads`, `audit`, `api`) stay where they are for now: other
branches edit them in parallel, and moving them is a rename only (see docs/ARCHITECTURE.md).
"""
