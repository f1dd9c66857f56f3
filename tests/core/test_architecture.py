"""The package edges docs/ARCHITECTURE.md promises, checked on the source so a new import cannot break them
silently. The import edges read the files with `ast` and import nothing; the model edges read the app registry."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("tracker", "projects", "rectifications", "targets")


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def _imports(path: Path) -> list[str]:
    """Every module `path` imports, as absolute dotted names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base)
                mod = f"{prefix}.{node.module}" if node.module else prefix
                names.append(mod)
                # `from . import services` names the module itself; `from .x import f` names x.f
                names += [f"{mod}.{a.name}" for a in node.names]
            else:
                names.append(node.module or "")
                names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_the_import_resolver_sees_relative_and_absolute_imports(tmp_path):
    # given: this very file's own imports, plus a module known to import its app's selectors relatively
    assert "ast" in _imports(Path(__file__))
    assert "targets.selectors.load_frames" in _imports(ROOT / "targets" / "services.py")


def test_selectors_never_import_services():
    # reads may not depend on writes (targets/selectors.py used to import the engine inputs from services.py)
    bad = [
        (str(p.relative_to(ROOT)), name)
        for p in _modules()
        if p.stem == "selectors" or "selectors" in p.parts
        for name in _imports(p)
        if "services" in name.split(".")
    ]
    assert bad == []


def test_no_app_imports_config_but_the_celery_application():
    bad = [
        (str(p.relative_to(ROOT)), name)
        for p in _modules()
        for name in _imports(p)
        if name.split(".")[0] == "config" and name not in ("config.celery", "config.celery.app")
    ]
    assert bad == []


def test_no_app_imports_another_apps_views():
    bad = []
    for p in _modules():
        own = p.relative_to(ROOT).parts[0]
        for name in _imports(p):
            parts = name.split(".")
            if parts[0] in APPS and parts[0] != own and "views" in parts:
                bad.append((str(p.relative_to(ROOT)), name))
    assert bad == []


# tracker is the bottom layer: the organisation core and the watch every other app builds on. It imports none of
# them, and none of its models points at theirs; where a tracker record leads to another app's row (a warning or a
# patrol escalated into a rectification item), the other app's model points down (`source_warning`,
# `source_patrol`) and tracker pages reach it through the reverse relation, a URL name or a settings registry.
UPPER_APPS = ("projects", "rectifications", "targets")


def test_tracker_imports_no_upper_app():
    bad = [
        (str(p.relative_to(ROOT)), name)
        for p in _modules()
        if p.relative_to(ROOT).parts[0] == "tracker"
        for name in _imports(p)
        if name.split(".")[0] in UPPER_APPS
    ]
    assert bad == []


def _edges_to_other_project_apps(app_label: str) -> list[tuple[str, str, str]]:
    """(model, field, target) of every relation field `app_label`'s models hold to another app of the project."""
    from django.apps import apps  # pytest-django has set the registry up

    return [
        (model.__name__, field.name, field.related_model._meta.label)
        for model in apps.get_app_config(app_label).get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model._meta.app_label in APPS
        and field.related_model._meta.app_label != app_label
    ]  # fmt: skip


def test_no_tracker_model_points_at_another_project_app():
    assert _edges_to_other_project_apps("tracker") == []
    # the check sees such edges where they belong: rectifications' items point down at their tracker sources
    assert ("RectificationItem", "source_patrol", "tracker.RiverPatrol") in _edges_to_other_project_apps(
        "rectifications"
    )
