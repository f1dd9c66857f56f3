"""Each app's migrations form one line: no merge migration, no two migrations with the same number, every
migration after the first depending on exactly the one before it (issue 14: parallel branches were squashed).
Reads the migration files through Django's loader; no database."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from django.db.migrations.loader import MigrationLoader

APPS = ("tracker", "projects", "rectifications", "targets")


def _graph():
    return MigrationLoader(None, ignore_no_migrations=True).graph


def test_each_app_has_one_line_of_migrations():
    graph = _graph()
    for app in APPS:
        nodes = sorted(key for key in graph.nodes if key[0] == app)
        numbers = Counter(name[:4] for _, name in nodes)
        assert [n for n, count in numbers.items() if count > 1] == [], app
        assert graph.leaf_nodes(app) == [nodes[-1]], app
        for before, after in pairwise(nodes):
            own_parents = [p for p in graph.node_map[after].parents if p.key[0] == app]
            assert [p.key for p in own_parents] == [before], (app, after)


def test_no_merge_migration_is_left():
    graph = _graph()
    merges = [
        key
        for key, migration in graph.nodes.items()
        if key[0] in APPS and not migration.operations and sum(d[0] == key[0] for d in migration.dependencies) > 1
    ]
    assert merges == []
