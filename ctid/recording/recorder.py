"""The recorder: records answered calls on lines that have audio, and keeps the recordings dir healthy.

Call events arrive as plain bus handlers (no queue): the file is opened the moment the call is answered,
so the first words are kept; the database row follows a moment later. A take ends with the call, or when
the disk runs low (``[recording] min_free_mb``: new recordings do not start and running ones stop cleanly,
the alert shows in the pages and the log), or at shutdown. Finished WAVs are converted in the background
(``Finisher``); at start, files a killed daemon left behind are repaired and registered first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ctid.accounts.models import Branch
from ctid.core.clock import utcnow
from ctid.core.config import RecordingConfig
from ctid.core.errors import N_, Conflict
from ctid.core.events import EventBus, Unsubscribe
from ctid.core.phone import PhoneNormaliser
from ctid.core.tasks import TaskSet
from ctid.lineplan.plan import LinePlan
from ctid.lineplan.source import LinePlanSource
from ctid.recording import disk, store
from ctid.recording.events import RecordingChanged, RecordingState
from ctid.recording.finisher import Finisher
from ctid.recording.layout import recording_path
from ctid.recording.preroll import PreRoll
from ctid.recording.repair import recover
from ctid.recording.retention import apply_retention
from ctid.recording.take import CallFacts, Take
from ctid.storage.db import Database
from ctid.voicecard.events import (
    CallAnswered,
    CallConnected,
    CallDialing,
    CallEnded,
    CallIdentified,
    CallIdUpdated,
)
from ctid.voicecard.lines import Lines

log = logging.getLogger(__name__)
DISK_CHECK_S = 5.0
RETENTION_EVERY_S = 3600.0
RESUME_AFTER_WRITE_ERROR_MB = 8


@dataclass(frozen=True)
class RecorderSettings:
    """What the config says: how to record and how long to keep (``[recording]``), where the files go, and
    the site's time zone (a recording's folder is its local day)."""

    recording: RecordingConfig
    root: Path
    timezone: str


@dataclass(frozen=True)
class RecorderParts:
    """What the recorder works with: the database, the bus its call events come on, the lines' audio and
    the numbers' normaliser."""

    db: Database
    bus: EventBus
    lines: Lines
    normaliser: PhoneNormaliser


class Operators(Protocol):
    async def operators_on(self, line: str) -> list[int]: ...


class BranchList(Protocol):
    async def list_branches(self) -> list[Branch]: ...


class Staff(Protocol):
    """Who a recording belongs to (the accounts service): the operators bound to a line (its bindings), and
    the branches (the retention's per-branch limits name them by code)."""

    @property
    def bindings(self) -> Operators: ...

    @property
    def branches(self) -> BranchList: ...


class Recorder:
    name = "recorder"

    def __init__(
        self,
        parts: RecorderParts,
        plan: LinePlanSource,
        settings: RecorderSettings,
        staff: Staff,
        *,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``plan``: which line is which; a line's record policy and branch are read from its plan."""
        self._db = parts.db
        self._bus = parts.bus
        self._lines = parts.lines
        self._normaliser = parts.normaliser
        self.settings = settings.recording
        self._plan_source = plan
        self._plan = LinePlan()  # resolved at start
        self.root = settings.root
        self._timezone = settings.timezone
        self._staff = staff
        self._clock = clock
        self._monotonic = monotonic
        self._calls: dict[str, CallFacts] = {}
        self._takes: dict[str, Take] = {}  # by line
        self._saving: dict[int, asyncio.Task[None]] = {}  # take id -> its row insert
        self._silent_lines: set[str] = set()
        self._prerolls: dict[str, PreRoll] = {}
        self._alert: str | None = None
        self._write_failed = False
        self._undo: list[Unsubscribe] = []
        self._tasks = TaskSet()
        self.finisher = Finisher(parts.db, settings.root, settings.recording, clock)

    # --- lifecycle --------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._plan = await self._plan_source.get()
        self.root.mkdir(parents=True, exist_ok=True)
        for recording_id in await recover(self._db, self.root, self._timezone):
            self.finisher.enqueue(recording_id)
        await self.finisher.start()
        bus = self._bus
        self._undo = [
            bus.subscribe(CallIdentified, self._identified),
            bus.subscribe(CallIdUpdated, self._identified),
            bus.subscribe(CallDialing, self._dialing),
            bus.subscribe(CallAnswered, self._answered),
            bus.subscribe(CallConnected, self._answered),
            bus.subscribe(CallEnded, self._ended),
        ]
        self._listen_before_answers()
        self.check_disk()  # then every DISK_CHECK_S, and the retention every RETENTION_EVERY_S (ctid.app)

    def _listen_before_answers(self) -> None:
        for line in self._plan:
            source = self._lines.get(line.name).audio
            if source is not None and line.record != "never":
                self._prerolls[line.name] = PreRoll(source.rate)
                self._undo.append(source.listen(self._prerolls[line.name]))

    async def stop(self) -> None:
        for undo in self._undo:
            undo()
        self._undo = []
        await self._tasks.cancel()
        for take in list(self._takes.values()):
            self._end_take(take, "daemon stopping")
        await self._wait_saved()
        await self.finisher.stop()

    async def settled(self) -> None:
        """Until every take's row is written and every queued conversion is done (tests, benchmarks)."""
        await self._wait_saved()
        await self.finisher.idle()

    async def _wait_saved(self) -> None:
        while self._saving:
            await asyncio.gather(*list(self._saving.values()), return_exceptions=True)

    # --- what the pages ask -----------------------------------------------------------------------------

    def alert(self) -> str | None:
        return self._alert

    def state(self, line: str) -> tuple[RecordingState, int | None] | None:
        take = self._takes.get(line)
        if take is None:
            return None
        return ("paused" if take.paused else "recording"), take.recording_id

    # --- call events ------------------------------------------------------------------------------------

    def _identified(self, event: CallIdentified | CallIdUpdated) -> None:
        """Kept as received: the number is normalised when the row is written, off the pop's path."""
        old = self._calls.get(event.call_id) or CallFacts(event.call_id, event.line, "inbound")
        self._calls[event.call_id] = replace(old, number=event.caller_id.number, number_e164=None)

    def _dialing(self, event: CallDialing) -> None:
        e164 = self._normaliser.normalise(event.number, dialed=True).e164
        self._calls[event.call_id] = CallFacts(event.call_id, event.line, "outbound", event.number, e164)

    def _answered(self, event: CallAnswered | CallConnected) -> None:
        policy = self._plan.get(event.line)
        if policy is not None and policy.record == "always":
            heard_s = (self._clock() - event.at).total_seconds()  # a tap dates the answer when heard
            self._begin(event.call_id, event.line, since=self._monotonic() - max(0.0, heard_s))

    def _ended(self, event: CallEnded) -> None:
        self._calls.pop(event.call_id, None)
        take = self._takes.get(event.line)
        if take is not None and take.call.call_id == event.call_id:
            self._end_take(take, None)

    # --- operator controls ------------------------------------------------------------------------------

    def record_now(self, line: str) -> None:
        """Start recording the line's call now (a line whose policy is "on demand", or a stopped take)."""
        policy = self._plan.get(line)
        if policy is None or policy.record == "never":
            raise Conflict(N_("Calls on line %(name)s are not recorded."), name=line)
        info = self._lines.get(line).info
        if info.call_id is None or info.status != "in call":
            raise Conflict(N_("There is no call in progress on line %(name)s."), name=line)
        if line not in self._takes:
            self._begin(info.call_id, line, require=True)

    def pause(self, line: str) -> None:
        take = self._take_to_control(line)
        if take.pause(self._monotonic()):
            self._publish(take, "paused")

    def resume(self, line: str) -> None:
        take = self._take_to_control(line)
        if take.resume(self._monotonic()):
            self._publish(take, "recording")

    def claim(self, line: str, user_id: int) -> None:
        """An operator acting on the recording of a line's call (pause, resume, record) took that call: it
        becomes theirs when no one operator was bound to the line alone (so they may hear it later)."""
        take = self._takes.get(line)
        if take is not None and take.operator_id is None:
            take.operator_id = user_id

    def _take_to_control(self, line: str) -> Take:
        policy = self._plan.get(line)
        if policy is not None and not policy.record_pause:
            raise Conflict(N_("Recordings on line %(name)s cannot be paused."), name=line)
        take = self._takes.get(line)
        if take is None:
            raise Conflict(N_("Line %(name)s is not recording."), name=line)
        return take

    # --- takes ------------------------------------------------------------------------------------------

    def _begin(self, call_id: str, line: str, *, require: bool = False, since: float | None = None) -> None:
        source = self._lines.get(line).audio
        problem = self._cannot_record(line, source is not None)
        if problem:
            if require:
                raise Conflict(problem, name=line)
            return
        assert source is not None
        facts = self._calls.get(call_id) or CallFacts(call_id, line, "inbound")
        now = self._clock()
        relative = recording_path(now, self._timezone, line, call_id)
        try:
            take = Take(facts, self.root / relative, relative, source.rate, now, self._monotonic())
        except OSError as exc:
            log.error("line %s: cannot open a recording file in %s: %s", line, self.root, exc.strerror)
            self._cannot_write(exc)
            return
        take.on_failure = self._take_failed
        preroll = self._prerolls.get(line)
        for samples, t in preroll.since(since) if preroll is not None and since is not None else ():
            take.block(samples, t)
        take.unsubscribe = source.listen(take.block)
        self._takes[line] = take
        self._saving[id(take)] = asyncio.create_task(self._save_start(take, source))

    def _cannot_record(self, line: str, has_audio: bool) -> str | None:
        if not has_audio:
            if line not in self._silent_lines:
                self._silent_lines.add(line)
                log.info("line %s has no audio source: its calls are not recorded", line)
            return N_("Line %(name)s has no audio to record.")
        if self._alert:
            log.warning("line %s: call not recorded: %s", line, self._alert)
            return N_("Recording is stopped: the disk is almost full.")
        if line in self._takes:
            return N_("Line %(name)s is already recording.")
        return None

    async def _save_start(self, take: Take, source: object) -> None:
        """Open the source's capture and write the row (status "recording": a crash leaves it to repair)."""
        try:
            start_capture = getattr(source, "start_capture", None)
            if start_capture is not None:
                await start_capture()
            operators = await self._staff.bindings.operators_on(take.call.line)
            if take.operator_id is None and len(operators) == 1:
                take.operator_id = operators[0]
            branch = self._plan.branch_of(take.call.line)
            row = self._start_row(take, branch)
            what = f"the row of the recording of call {take.call.call_id}"
            take.recording_id = await self._db.write(lambda conn: store.insert_recording(conn, row), what)
            log.info(
                "line %s: recording call %s (recording %d)",
                take.call.line,
                take.call.call_id,
                take.recording_id,
            )
            self._publish(take, "recording")
        except Exception:
            log.exception("line %s: could not start recording call %s", take.call.line, take.call.call_id)
        finally:
            self._saving.pop(id(take), None)

    def _start_row(self, take: Take, branch: int | None) -> dict[str, object]:
        call = take.call
        return {
            "call_id": call.call_id,
            "line": call.line,
            "branch_id": branch,
            "direction": call.direction,
            "number": call.number,
            "number_e164": call.number_e164 or self._e164(call.number),
            "operator_id": take.operator_id,
            "started_at": take.started_at,
            "status": "recording",
            "format": "wav",
            "path": take.relative,
            "sample_rate": take.rate,
            "source": self._lines.get(call.line).driver,
        }

    def _e164(self, number: str | None) -> str | None:
        return self._normaliser.normalise(number).e164 if number else None

    def _end_take(self, take: Take, problem: str | None) -> None:
        take.stop(self._monotonic())
        take.problem = problem
        if self._takes.get(take.call.line) is take:
            del self._takes[take.call.line]
        started = self._saving.get(id(take))
        self._saving[id(take)] = asyncio.create_task(self._save_end(take, started))

    async def _save_end(self, take: Take, started: asyncio.Task[None] | None) -> None:
        try:
            if started is not None:
                await asyncio.shield(started)
            source = self._lines.get(take.call.line).audio
            stop_capture = getattr(source, "stop_capture", None)
            if stop_capture is not None:
                await stop_capture()
            self._publish(take, "stopped")
            if take.recording_id is not None:
                await self.finisher.finish_take(take)
        except Exception:
            log.exception("line %s: could not finish recording call %s", take.call.line, take.call.call_id)
        finally:
            self._saving.pop(id(take), None)

    def _publish(self, take: Take, state: RecordingState) -> None:
        event = RecordingChanged(
            line=take.call.line,
            at=self._clock(),
            call_id=take.call.call_id,
            recording_id=take.recording_id,
            state=state,
            problem=take.problem,
        )
        self._bus.publish(event)

    # --- the disk ---------------------------------------------------------------------------------------

    def _take_failed(self, take: Take, error: OSError) -> None:
        """The file stopped taking audio (disk full): end the take with what it has (after ``_begin`` is
        done with it, if it failed there) and stop recording until the disk has room again."""
        log.error(
            "line %s: recording of call %s stopped after %.1f s: cannot write %s: %s",
            take.call.line,
            take.call.call_id,
            take.writer.duration_s,
            take.relative,
            error.strerror,
        )
        self._cannot_write(error, take)

    def _end_if_running(self, take: Take, problem: str) -> None:
        if self._takes.get(take.call.line) is take:
            self._end_take(take, problem)

    def _cannot_write(self, error: OSError, failed: Take | None = None) -> None:
        """A write failed: every take ends (``failed`` may not be listed yet: it failed in ``_begin``) and the
        alert is up until ``check_disk`` sees room for recordings again."""
        self._write_failed = True
        if self._alert is None:
            self._alert = f"recordings stopped: cannot write to the disk ({error.strerror})"
        problem = f"stopped: the disk could not be written ({error.strerror})"
        for take in [*([failed] if failed else []), *self._takes.values()]:  # they share the disk
            asyncio.get_running_loop().call_soon(self._end_if_running, take, problem)

    async def recheck_disk(self) -> None:
        """The scheduler's job (every ``DISK_CHECK_S``)."""
        self.check_disk()

    def check_disk(self) -> None:
        """Stop recording (cleanly) below ``min_free_mb`` of free space; start again a margin above it."""
        limit = self.settings.min_free_mb * disk.MB
        if self._write_failed:  # a write failed (guard off or too low): wait for real room, not a byte
            limit = max(limit, RESUME_AFTER_WRITE_ERROR_MB * disk.MB)
        verdict = disk.check(self.root, limit, stopped=self._alert is not None, margin_bytes=limit // 10)
        if not verdict.ok and self._alert is None:
            self._alert = "recordings stopped: disk almost full"
            log.error("recording stopped: %s", verdict.message)
            for take in list(self._takes.values()):
                self._end_take(take, "disk almost full")
        elif verdict.ok and self._alert is not None:
            self._alert = None
            self._write_failed = False
            log.info("recording resumed: %s", verdict.message)
            self._tasks.spawn(self._convert_left_over(), name="recorder-convert-left-over")

    async def _convert_left_over(self) -> None:
        """Recordings the full disk left in WAV (their conversion failed) are converted now there is room."""
        async with self._db.connect() as conn:
            waiting = await store.by_status(conn, ("finished", "repaired"))
        for recording in waiting:
            if recording.format == "wav" and self.settings.format != "wav":
                self.finisher.enqueue(recording.id)

    async def apply_retention(self) -> int:
        branches = {branch.code: branch.id for branch in await self._staff.branches.list_branches()}
        return await apply_retention(self._db, self.root, self.settings, branches, self._clock())
