"""The line plan: what each configured line is, with its branch resolved (pure: no I/O).

Why one plan: the recorder, the pops, the call log, the consoles and the statistics (and the dialer next)
each need to know a line's label, branch or record policy. Each used to build its own map from the config
(labels here, branch codes there, three callables for the branches); one plan resolved once says it once,
and they cannot disagree.

Why once: branch ids never change, so the plan resolved at start holds for the whole run (an admin renaming
a branch's code on the page does not move its lines; the next start says the code is gone). A code that
names no branch is a config error that stops the start, naming the line and the code (``ctid check-config``
cannot see it: the branches live in the database).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ctid.core.config import ConfigError, LineConfig, RecordPolicy

DIALLING_DRIVERS = frozenset({"sim", "modem"})
"""Drivers that can place a call (a line tap on a sound card only listens)."""


@dataclass(frozen=True)
class PlannedLine:
    name: str
    label: str
    """What the pages call the line (the installer's label, else its name)."""
    driver: str
    branch_id: int
    branch_code: str
    """The code the config names ("" when it names none and the line is the first branch's)."""
    record: RecordPolicy
    record_pause: bool

    @property
    def can_dial(self) -> bool:
        return self.driver in DIALLING_DRIVERS


class LinePlan:
    """The configured lines in config order, by name."""

    def __init__(self, lines: Sequence[PlannedLine] = ()) -> None:
        self._lines = {line.name: line for line in lines}

    def __iter__(self) -> Iterator[PlannedLine]:
        return iter(self._lines.values())

    def __len__(self) -> int:
        return len(self._lines)

    def get(self, name: str) -> PlannedLine | None:
        """The line of that name (None: not a line of the config, e.g. one since removed)."""
        return self._lines.get(name)

    def branch_of(self, name: str) -> int | None:
        line = self._lines.get(name)
        return None if line is None else line.branch_id

    def label(self, name: str) -> str:
        """The line's label; a line since removed from the config keeps its name."""
        line = self._lines.get(name)
        return name if line is None else line.label

    def lines_in(self, branch_id: int) -> list[str]:
        """The names of one branch's lines, in config order."""
        return [line.name for line in self._lines.values() if line.branch_id == branch_id]

    def by_branch(self) -> dict[int, tuple[str, ...]]:
        """Each branch's lines, in config order (branches without lines left out)."""
        found: dict[int, tuple[str, ...]] = {}
        for line in self._lines.values():
            found[line.branch_id] = (*found.get(line.branch_id, ()), line.name)
        return found


def configured_codes(configs: Sequence[LineConfig]) -> dict[str, str]:
    """The branch code each line names in the config file (line name -> code; lines naming none left out):
    what accounts refuses to rename before the plan is even resolved."""
    return {config.name: config.branch for config in configs if config.branch}


def resolve(
    configs: Sequence[LineConfig], branches: Mapping[str, int], default_branch: int, source: str = ""
) -> LinePlan:
    """The plan of these lines over the branches there are (code -> id); a line naming no branch code is
    the first branch's (``default_branch``). ConfigError (at ``lines[i].branch`` of ``source``) for a code
    that names no branch, or a line name given twice."""
    planned: list[PlannedLine] = []
    seen: set[str] = set()
    for index, config in enumerate(configs):
        if config.name in seen:
            raise ConfigError(source, f"lines[{index}].name", f"duplicate line name {config.name!r}")
        seen.add(config.name)
        branch_id = _branch(index, config, branches, default_branch, source)
        planned.append(_planned(config, branch_id))
    return LinePlan(planned)


def _branch(index: int, config: LineConfig, branches: Mapping[str, int], default: int, source: str) -> int:
    if not config.branch:
        return default
    if config.branch not in branches:
        known = ", ".join(sorted(branches))
        raise ConfigError(
            source,
            f"lines[{index}].branch",
            f"line {config.name!r}: no branch with code {config.branch!r} (branches: {known}); "
            "create the branch first or correct the code",
        )
    return branches[config.branch]


def _planned(config: LineConfig, branch_id: int) -> PlannedLine:
    return PlannedLine(
        name=config.name,
        label=config.display_name,
        driver=config.driver,
        branch_id=branch_id,
        branch_code=config.branch,
        record=config.record,
        record_pause=config.record_pause,
    )
