"""Per-operator figures for people: the live board's operators today, and the statistics page's table of a
period by operator, day or line (the figures themselves: ctid.stats.operators, pure).

Supervisors see their own branch; admins their own on the board and any (or every) branch in the table.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ctid.accounts import store as accounts
from ctid.accounts.agents import Agents, AgentStatus
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.core.clock import utcnow
from ctid.core.errors import N_, ValidationError
from ctid.crm import scope
from ctid.lineplan.source import LinePlanSource
from ctid.stats import operator_store
from ctid.stats.operators import CallFacts, Figures, by_day, by_line, figures, overall
from ctid.stats.periods import Period, local_midnight
from ctid.storage.db import Database

GROUPINGS = ("operator", "day", "line")


@dataclass(frozen=True)
class BoardAgent:
    status: AgentStatus
    today: Figures


@dataclass(frozen=True)
class OperatorRow:
    user_id: int
    label: str
    group: str  # the day (YYYY-MM-DD), the line's label, or "" for the whole period
    figures: Figures


class OperatorStats:
    def __init__(
        self,
        db: Database,
        plan: LinePlanSource,
        agents: Agents,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._plan = plan
        self._agents = agents
        self._tz = ZoneInfo(timezone)
        self._clock = clock

    async def board(self, user: User) -> list[BoardAgent]:
        """The operators of the user's branch: state, since when, and today's figures (site time)."""
        scope.require(user, Permission.BOARD_VIEW)
        today = self._clock().astimezone(self._tz).date()
        since, until = local_midnight(today, self._tz), local_midnight(today + timedelta(days=1), self._tz)
        found = figures(await self._facts(user.branch_id, since, until))
        return [
            BoardAgent(status, found.get((status.user.id, ""), Figures()))
            for status in await self._agents.of_branch(user.branch_id)
        ]

    async def table(
        self, user: User, period: Period, by: str, branch: int | None = None
    ) -> list[OperatorRow]:
        """Each operator's figures over the period, or by day or by line, ordered by name then group."""
        scope.require(user, Permission.STATS_VIEW)
        if by not in GROUPINGS:
            raise ValidationError(
                "by", N_("%(what)s must be one of: %(allowed)s."), what="by", allowed=", ".join(GROUPINGS)
            )
        branch_id = scope.narrowed(user, branch)
        facts = await self._facts(branch_id, period.since, period.until)
        plan = await self._plan.get()
        keys: dict[str, Callable[[CallFacts], Hashable]] = {
            "operator": overall,
            "day": by_day(self._tz),
            "line": by_line,
        }
        found = figures(facts, keys[by])
        async with self._db.connect() as conn:
            names = await accounts.users_by_ids(conn, {user_id for user_id, _group in found})
        rows = [
            OperatorRow(
                user_id,
                names[user_id].label if user_id in names else f"#{user_id}",
                _group(group, by, plan.label),
                figs,
            )
            for (user_id, group), figs in found.items()
        ]
        return sorted(rows, key=lambda r: (r.label, r.group))

    async def _facts(self, branch_id: int | None, since: datetime, until: datetime) -> list[CallFacts]:
        lines = None if branch_id is None else sorted((await self._plan.get()).lines_in(branch_id))
        async with self._db.connect() as conn:
            return await operator_store.call_facts(conn, lines, since, until)


def _group(group: Hashable, by: str, label: Callable[[str], str]) -> str:
    if isinstance(group, date):
        return group.isoformat()
    return label(str(group)) if by == "line" else str(group)
