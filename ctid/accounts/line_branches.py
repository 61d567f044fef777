"""Which branch each phone line belongs to: the ``branch`` code of its ``[[lines]]`` table, read at start.

Why it matters: a call, its pop and its recording belong to their line's branch, and every wall between
branches (the call log, the consoles, the recordings) stands on this mapping. A code that names no branch
used to be logged and skipped: that line's pops reached no one, and its recordings were stored with no
branch, which every branch's supervisors could play by id. It is now a config error that stops the start,
naming the line and the code (``ctid check-config`` cannot see it: the branches live in the database).

Why once: branch ids never change, so the mapping read at start holds for the whole run (an admin renaming
a branch's code on the page does not move its lines; the next start says the code is gone), and the pop,
the recorder and every scoped list read it without a database trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ctid.accounts.service import AccountService
from ctid.core.config import ConfigError, LineConfig


class LineBranches:
    name = "line branches"

    def __init__(self, lines: Sequence[LineConfig], accounts: AccountService, source: str = "") -> None:
        self._lines = tuple(lines)
        self._accounts = accounts
        self._source = source
        self._by_line: dict[str, int] | None = None

    async def start(self) -> None:
        await self.resolve()

    async def stop(self) -> None:
        return None

    async def resolve(self) -> dict[str, int]:
        """Each line's branch id (empty ``branch``: the first branch); ConfigError for a code that names
        no branch. Read on the first call, then kept."""
        if self._by_line is None:
            default = (await self._accounts.default_branch()).id
            by_code = {branch.code: branch.id for branch in await self._accounts.list_branches()}
            lines = enumerate(self._lines)
            self._by_line = {line.name: self._branch(i, line, by_code, default) for i, line in lines}
        return dict(self._by_line)

    async def __call__(self) -> dict[str, int]:
        """The components that take a ``line_branches`` callable (pops, recorder, statistics) call this."""
        return await self.resolve()

    def _branch(self, index: int, line: LineConfig, by_code: Mapping[str, int], default: int) -> int:
        if not line.branch:
            return default
        if line.branch not in by_code:
            known = ", ".join(sorted(by_code))
            raise ConfigError(
                self._source,
                f"lines[{index}].branch",
                f"line {line.name!r}: no branch with code {line.branch!r} (branches: {known}); "
                "create the branch first or correct the code",
            )
        return by_code[line.branch]

    async def lines_in(self, branch_id: int) -> list[str]:
        """The lines of one branch, in config order."""
        return [line for line, branch in (await self.resolve()).items() if branch == branch_id]
