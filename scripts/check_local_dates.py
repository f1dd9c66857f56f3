"""Fail on `.date()` called on a datetime in product code; `tracker.dates.local_date` is the one way.

An aware datetime's `.date()` is its UTC date: for eight hours of every Beijing night it is yesterday, which made
"days waiting" one day too many between 00:00 and 08:00 (issue: the suite failed every night). Statically we
cannot tell an aware datetime from a naive one, so every zero-argument `.date()` call is refused outside
`tracker/dates.py`. Run by `make check`; `python scripts/check_local_dates.py [paths…]` prints `path:line` for
each offence and exits 1.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {Path("tracker/dates.py")}
SKIP_PARTS = {".venv", "tests", "migrations", "node_modules", ".git", "staticfiles"}


def offences(source: str, filename: str = "<string>") -> list[int]:
    """Line numbers of zero-argument `.date()` calls in `source`."""
    tree = ast.parse(source, filename=filename)
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "date"
        and not node.args
        and not node.keywords
    )


def product_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if not SKIP_PARTS.intersection(p.relative_to(root).parts[:-1]))


def main(argv: list[str]) -> int:
    files = [Path(a).resolve() for a in argv] if argv else product_files(ROOT)
    found = []
    for path in files:
        rel = path.relative_to(ROOT)
        if rel in ALLOWED:
            continue
        for line in offences(path.read_text(encoding="utf-8"), str(rel)):
            found.append(f"{rel}:{line}: .date() on a datetime — use tracker.dates.local_date(value)")
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
