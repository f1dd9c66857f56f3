"""Do two versions of the migrations build the same database? For squashing or reordering migrations.

    python scripts/compare_migrations.py OLD NEW        # OLD, NEW: git refs, or "." for the working tree

1. fresh: migrate one empty PostgreSQL database with OLD's migrations and another with NEW's, then compare
   `pg_dump --schema-only --no-owner` (tables, columns in order, indexes, constraints, triggers, functions, …;
   comments, blank lines and pg_dump's random \\restrict keys dropped) and the rows of every table but
   django_migrations (each row as text, sorted).
2. upgrade: migrate a database with OLD's migrations, then run NEW's `migrate` on it; print what it applied and
   check that `migrate --check` finds nothing pending.

Needs `pg_dump` and `psql`, and PostgreSQL reachable as in `--server` (default
postgres://postgres@127.0.0.1:5432). The scratch databases are named `--prefix`_old / _new / _upgrade and dropped at
the end (`--keep` keeps them). Exit status 0 when the fresh databases are identical and the upgrade is clean.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def sh(*args: str, env: dict | None = None, cwd: Path | None = None, check: bool = True) -> str:
    run = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    if check and run.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{run.stdout}\n{run.stderr}")
    return run.stdout


def tree(ref: str, into: Path) -> Path:
    """The source tree of `ref` (a git ref exported with `git archive`; "." is the working tree itself)."""
    if ref == ".":
        return ROOT
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def manage(source: Path, url: str, *args: str, check: bool = True) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    return sh(PYTHON, "manage.py", *args, env=env, cwd=source, check=check)


def schema(url: str) -> list[str]:
    """The schema as pg_dump prints it, without comments, SET lines, blank lines and the random \\restrict keys."""
    lines = sh("pg_dump", "--schema-only", "--no-owner", "--no-privileges", url).splitlines()
    return [
        line
        for line in lines
        if line.strip()
        and not line.startswith("--")
        and not re.match(r"^(SET |SELECT pg_catalog\.set_config|\\(un)?restrict )", line)
    ]


def rows(url: str) -> dict[str, list[str]]:
    """Every table's rows (but django_migrations'), each row as text, sorted."""
    tables = sh(
        "psql", url, "-Atc",
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'django_migrations' ORDER BY 1",
    ).split()  # fmt: skip
    out = {}
    for table in tables:
        text = sh("psql", url, "-AtXc", f'SELECT t::text FROM "{table}" t ORDER BY 1')
        out[table] = text.splitlines()
    return out


def diff(label: str, a: list[str], b: list[str]) -> list[str]:
    return list(difflib.unified_diff(a, b, f"{label} (old)", f"{label} (new)", lineterm="", n=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--prefix", default="eco_cmp")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()

    names = {k: f"{args.prefix}_{k}" for k in ("old", "new", "upgrade")}
    urls = {k: f"{args.server}/{name}" for k, name in names.items()}
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"old": tree(args.old, Path(tmp) / "old"), "new": tree(args.new, Path(tmp) / "new")}
        for name in names.values():
            sh("psql", f"{args.server}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}"')
            sh("psql", f"{args.server}/postgres", "-qc", f'CREATE DATABASE "{name}"')
        try:
            # 1. fresh databases
            for k in ("old", "new"):
                manage(sources[k], urls[k], "migrate", "--noinput")
            changes = diff("schema", schema(urls["old"]), schema(urls["new"]))
            old_rows, new_rows = rows(urls["old"]), rows(urls["new"])
            for table in sorted(set(old_rows) | set(new_rows)):
                changes += diff(table, old_rows.get(table, ["<no table>"]), new_rows.get(table, ["<no table>"]))
            n_rows = sum(len(r) for r in new_rows.values())
            print(f"fresh: {len(new_rows)} tables, {n_rows} rows compared (django_migrations left out)")
            if changes:
                failed = True
                print("\n".join(changes))
            else:
                print("fresh: schema and data identical")

            # 2. a database of OLD upgraded by NEW
            manage(sources["old"], urls["upgrade"], "migrate", "--noinput")
            applied = manage(sources["new"], urls["upgrade"], "migrate", "--noinput")
            steps = [line.strip() for line in applied.splitlines() if "Applying" in line]
            print("upgrade: " + (" | ".join(steps) or "nothing to apply"))
            pending = subprocess.run(
                [PYTHON, "manage.py", "migrate", "--check"],
                env={**os.environ, "DATABASE_URL": urls["upgrade"], "DEBUG": "1"},
                cwd=sources["new"],
                capture_output=True,
                text=True,
            )
            if pending.returncode != 0:
                failed = True
                print("upgrade: migrations still pending\n" + pending.stdout + pending.stderr)
            else:
                print("upgrade: migrate --check clean")
            changes = diff("upgraded vs fresh new schema", schema(urls["new"]), schema(urls["upgrade"]))
            if changes:
                failed = True
                print("\n".join(changes))
            else:
                print("upgrade: schema identical to the fresh NEW database")
        finally:
            if not args.keep:
                for name in names.values():
                    sh("psql", f"{args.server}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}"', check=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
