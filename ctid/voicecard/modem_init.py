"""Bringing a modem up: who it is, which country it thinks it is on, and which caller-ID command it takes.

Why record every step: an installer facing "no caller ID" needs to see that ``AT+VCID=1`` answered ERROR and
``AT#CID=1`` OK, or that the modem thinks it is in the US (``+GCI: B5``) on a Chinese line. ``InitReport``
is what ``ctid line test`` prints and what the line's status shows.

A command that answers ERROR is reported and skipped; one that gets no answer at all raises ``ModemTimeout``:
the modem is not there (or hung), and the driver treats the line as down.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ctid.core.config import ModemLineOptions
from ctid.core.text import clean_text
from ctid.voicecard.modem import Modem

BASE_INIT: Final = ("ATZ", "ATE0V1Q0")
"""Reset to the stored profile, then no echo, verbose results, results on."""

CALLER_ID_COMMANDS: Final[Mapping[str, tuple[str, ...]]] = {
    "formatted": ("AT+VCID=1", "AT#CID=1"),
    "unformatted": ("AT+VCID=2", "AT#CID=2"),
}
"""Per ``cid_mode``: the V.253 command first, the Rockwell/Conexant spelling as the fallback."""

COUNTRIES: Final = {"26": "China", "B5": "United States", "B4": "United Kingdom", "00": "Japan"}
_CALLER_ID_LIKE: Final = re.compile(r"CID|\*ID|CLIP", re.I)
_GCI: Final = re.compile(r"\+GCI: ?([0-9A-F]{2})", re.I)
_MAX_IDENTITY = 160


@dataclass(frozen=True)
class InitTimeouts:
    command_s: float = 3.0
    reset_s: float = 6.0  # ATZ reloads the profile: a second or two on cheap modems


@dataclass(frozen=True)
class InitStep:
    """One command of the init and its result code."""

    command: str
    result: str

    @property
    def ok(self) -> bool:
        return self.result == "OK"


@dataclass(frozen=True)
class InitReport:
    """What the modem said while being brought up."""

    identity: str
    country: str | None
    steps: tuple[InitStep, ...]
    caller_id_command: str | None
    warnings: tuple[str, ...] = ()

    @property
    def problem(self) -> str:
        """The warnings as one line (empty: all well): the line's ``last_error`` after an init."""
        return "; ".join(self.warnings)


async def initialise(modem: Modem, options: ModemLineOptions, timeouts: InitTimeouts) -> InitReport:
    """Send the init, probe (``ATI``, ``ATI3``, ``AT+GCI?``), enable caller ID; ModemTimeout if it is mute.

    The init goes first: ``ATZ`` undoes whatever a terminal program left behind (``ATQ1`` would hide every
    result code), and the probes then run with echo off.
    """
    steps = await run_commands(modem, options.init or BASE_INIT, timeouts)
    identity = await _identity(modem, timeouts)
    country, warnings = await _country(modem, options.country, timeouts)
    warnings += [f"{step.command} answered {step.result}" for step in steps if not step.ok]
    if options.init:
        taken = [step.command for step in steps if step.ok and _CALLER_ID_LIKE.search(step.command)]
        caller_id = taken[-1] if taken else None
    else:
        caller_id, tried = await enable_caller_id(modem, options.cid_mode, timeouts)
        steps += tried
        if caller_id is None:
            warnings.append(f"the modem refused {' and '.join(s.command for s in tried)}: no caller ID")
    return InitReport(identity, country, tuple(steps), caller_id, tuple(warnings))


async def enable_caller_id(
    modem: Modem, cid_mode: str, timeouts: InitTimeouts
) -> tuple[str | None, list[InitStep]]:
    """Try the caller-ID commands for ``cid_mode`` in turn; returns the one that took and every step."""
    steps = []
    for command in CALLER_ID_COMMANDS[cid_mode]:
        steps.append(await _step(modem, command, timeouts))
        if steps[-1].ok:
            return command, steps
    return None, steps


def caller_id_init(options: ModemLineOptions) -> tuple[str, ...]:
    """The configured init's caller-ID commands (all of it if none looks like one); empty for the default."""
    if not options.init:
        return ()
    return tuple(c for c in options.init if _CALLER_ID_LIKE.search(c)) or options.init


async def run_commands(modem: Modem, commands: tuple[str, ...], timeouts: InitTimeouts) -> list[InitStep]:
    """Send ``commands`` in order, recording each result; ERROR goes on, no answer raises ModemTimeout."""
    return [await _step(modem, command, timeouts) for command in commands]


async def _step(modem: Modem, command: str, timeouts: InitTimeouts) -> InitStep:
    timeout = timeouts.reset_s if command.upper().replace(" ", "") in ("ATZ", "AT&F") else timeouts.command_s
    try:
        response = await modem.command(command, timeout)
    except ValueError:
        return InitStep(command, "INVALID (not one ASCII command)")
    return InitStep(command, response.result)


async def _identity(modem: Modem, timeouts: InitTimeouts) -> str:
    """``ATI`` (chipset/firmware) and ``ATI3`` (product) lines, de-duplicated; empty if it says nothing."""
    parts: list[str] = []
    for command in ("ATI", "ATI3"):
        response = await modem.command(command, timeouts.command_s)
        if response.ok:
            parts += [line for line in map(clean_text, response.lines) if line and line not in parts]
    return " / ".join(parts)[:_MAX_IDENTITY]


async def _country(modem: Modem, expected: str, timeouts: InitTimeouts) -> tuple[str | None, list[str]]:
    """The country code the modem is set to; a warning when it is not the configured one.

    Only checked, never set: ``AT+GCI=`` writes the modem's memory, which the installer should decide.
    """
    response = await modem.command("AT+GCI?", timeouts.command_s)
    match = next((m for m in map(_GCI.fullmatch, response.lines) if m), None)
    found = match[1].upper() if match else None
    if not expected or found == expected.upper():
        return found, []
    if found is None:
        return None, [f"could not read the modem's country code (AT+GCI? answered {response.result})"]
    want = expected.upper()
    warning = (
        f"the modem's country code is {found} ({COUNTRIES.get(found, 'unknown')}), expected {want}"
        f" ({COUNTRIES.get(want, 'unknown')}): caller ID may not be decoded"
    )
    return found, [warning]
