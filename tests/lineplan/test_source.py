"""The plan's source reads the branches once, when first asked (at start in the daemon), then keeps them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ctid.accounts.models import Branch
from ctid.core.config import ConfigError, LineConfig
from ctid.lineplan.plan import LinePlan
from ctid.lineplan.source import LinePlanSource

MADE = datetime(2026, 1, 1, tzinfo=UTC)


class Branches:
    """The branches as the accounts service lists them, counting the reads."""

    def __init__(self, *codes: str) -> None:
        self.branches = [Branch(i, code, code, "", "", True, MADE) for i, code in enumerate(codes, 1)]
        self.reads = 0

    async def default_branch(self) -> Branch:
        return self.branches[0]

    async def list_branches(self) -> list[Branch]:
        self.reads += 1
        return list(self.branches)


async def test_the_plan_is_resolved_once_and_kept() -> None:
    branches = Branches("main", "east")
    source = LinePlanSource((LineConfig("desk", "sim"), LineConfig("east-1", "sim", branch="east")), branches)
    assert list(source.current) == []  # nothing resolved yet: no line is any branch's
    await source.start()
    branches.branches[1] = Branch(2, "east-renamed", "east", "", "", True, MADE)  # renamed on the page
    plan = await source.get()
    assert (plan.branch_of("desk"), plan.branch_of("east-1"), branches.reads) == (1, 2, 1)
    assert source.current is plan


async def test_a_plan_naming_a_missing_branch_stops_the_start() -> None:
    source = LinePlanSource((LineConfig("east-1", "sim", branch="east"),), Branches("main"), "ctid.toml")
    with pytest.raises(ConfigError, match=r"lines\[0\].branch: line 'east-1': no branch with code 'east'"):
        await source.start()


async def test_a_source_of_a_resolved_plan_reads_nothing() -> None:
    plan = LinePlan()
    assert await LinePlanSource.of(plan).get() is plan
