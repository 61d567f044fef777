"""The line plan as a component: resolved over the database's branches once, at start, then kept.

Why a component and not a value built before the others: the branches live in the database, which opens
at start, after the services are built. The services hold this source and read the plan from it; it is
started first (a code that names no branch stops the start), and a service that asks before that (a test
that starts only what it needs) has it resolved on that first ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ctid.accounts.models import Branch
from ctid.core.config import LineConfig
from ctid.lineplan.plan import LinePlan, resolve


class BranchList(Protocol):
    """Where the branches are read (the accounts service)."""

    async def default_branch(self) -> Branch: ...

    async def list_branches(self) -> list[Branch]: ...


class LinePlanSource:
    name = "line plan"

    def __init__(self, configs: Sequence[LineConfig], branches: BranchList | None, source: str = "") -> None:
        self._configs = tuple(configs)
        self._branches = branches
        self._source = source
        self._plan: LinePlan | None = None

    @classmethod
    def of(cls, plan: LinePlan) -> LinePlanSource:
        """A source whose plan is already resolved (tests and tools that have no branches to read)."""
        source = cls((), None)
        source._plan = plan
        return source

    async def start(self) -> None:
        await self.get()

    async def stop(self) -> None:
        return None

    async def get(self) -> LinePlan:
        """The plan; resolved on the first call (ConfigError for a code that names no branch), then kept."""
        if self._plan is None:
            assert self._branches is not None  # only a source made by of() has none, and it has its plan
            default = (await self._branches.default_branch()).id
            codes = {branch.code: branch.id for branch in await self._branches.list_branches()}
            self._plan = resolve(self._configs, codes, default, self._source)
        return self._plan

    @property
    def current(self) -> LinePlan:
        """The plan once resolved; before, an empty plan (no line is any branch's yet), for the few readers
        that cannot wait (the console's line lists)."""
        return self._plan or LinePlan()
