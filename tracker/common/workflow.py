"""Status workflows as data, and the one compare-and-set convention every workflow uses.

A workflow is a table of moves (from, to, the capability that may make it, whether a reason is needed).
`allowed(src, actor)` lists what a person may do now (to build a form); `check(src, dst, actor)` refuses
a move the table does not hold, or one the person's role may not make. Which *units* a person may act
for is not the workflow's business: the service checks the reach (`Model.objects.restrict(user, "report")`).

The write itself is `compare_and_set(qs, pk=…, expected_version=v, state_field="status", state=src, …)`:
an UPDATE that matches only the row as the person saw it (same state, same version) and bumps the
version; 0 rows means someone else changed it meanwhile → `Stale`, with the one translated message.
`expected_version` is the version the person's page showed (a hidden field), never the one just read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext, gettext_lazy

STALE_MESSAGE = gettext_lazy("已被他人修改，请刷新后重试。")


class Stale(ValidationError):
    """The row moved since the page was loaded: nothing was written; reload and try again."""

    def __init__(self, message=None):
        super().__init__(message or STALE_MESSAGE, code="stale")


class MoveRefused(ValidationError):
    """The table holds no such move (whoever asks)."""


@dataclass(frozen=True)
class Move:
    src: str
    dst: str
    capability: str  # tracker.common.access capability the actor needs
    action: str = ""  # a name for the move (form value, service suffix, history row)
    label: str = ""
    needs_reason: bool = False


class Workflow:
    """A transition table over the values of a TextChoices class."""

    def __init__(self, states: type[models.TextChoices], moves: Iterable[Move]):
        self.states = states
        self.moves: dict[tuple[str, str], Move] = {}
        for move in moves:
            if move.src not in states.values or move.dst not in states.values:
                raise ValueError(f"unknown state in {move}")
            self.moves[(move.src, move.dst)] = move

    def __contains__(self, pair: tuple[str, str]) -> bool:
        return pair in self.moves

    def get(self, src: str, dst: str) -> Move | None:
        return self.moves.get((str(src), str(dst)))

    def targets(self, src: str) -> list[str]:
        """Every state the table lets `src` move to, whoever acts (in table order)."""
        return [dst for (s, dst) in self.moves if s == src]

    def allowed(self, src: str, actor) -> list[Move]:
        """The moves out of `src` the person `actor` may make (their role holds the move's capability)."""
        from .access import has_cap

        return [m for (s, _dst), m in self.moves.items() if s == src and has_cap(actor, m.capability)]

    def check(self, src: str, dst: str, actor) -> Move:
        """The move, or MoveRefused (not in the table) / PermissionDenied (the person's role may not make it)."""
        from .access import has_cap

        move = self.get(src, dst)
        if move is None:
            raise MoveRefused(
                gettext("不能从“%(a)s”变为“%(b)s”。") % {"a": self.label(src), "b": self.label(dst)},
                code="refused",
            )
        if not has_cap(actor, move.capability):
            raise PermissionDenied(gettext("您无权执行“%(a)s”。") % {"a": move.label or self.label(dst)})
        return move

    def label(self, state: str) -> str:
        return str(self.states(state).label) if state in self.states.values else str(state)


def compare_and_set(
    queryset: models.QuerySet | models.Manager,
    *,
    pk: int,
    expected_version: int,
    state_field: str | None = None,
    state: str | None = None,
    **changes,
) -> None:
    """UPDATE the row `pk` only if it still has `expected_version` (and `state`); bump its version. Else Stale."""
    filters: dict = {"pk": pk, "version": expected_version}
    if state_field is not None:
        filters[state_field] = state
    if queryset.filter(**filters).update(version=F("version") + 1, **changes) != 1:
        raise Stale()
