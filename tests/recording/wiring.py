"""What a recorder is built with in the recording tests, without accounts: a resolved line plan and staff
with fixed answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ctid.accounts.models import Branch
from ctid.core.config import LineConfig
from ctid.lineplan.plan import resolve
from ctid.lineplan.source import LinePlanSource

FIRST_BRANCH = 1


def plan_of(configs: Sequence[LineConfig], codes: Mapping[str, int] | None = None) -> LinePlanSource:
    """These lines resolved over ``codes`` (a line naming no code: branch 1)."""
    return LinePlanSource.of(resolve(configs, codes or {}, FIRST_BRANCH))


@dataclass
class FixedStaff:
    """The operators bound to every line, and the branches there are (code -> id)."""

    operators: list[int]
    codes: Mapping[str, int] = field(default_factory=dict)

    @property
    def bindings(self) -> FixedStaff:
        return self

    @property
    def branches(self) -> FixedStaff:
        return self

    async def operators_on(self, _line: str) -> list[int]:
        return list(self.operators)

    async def list_branches(self) -> list[Branch]:
        made = datetime(2026, 1, 1, tzinfo=UTC)
        return [Branch(id, code, code, "", "", True, made) for code, id in self.codes.items()]
