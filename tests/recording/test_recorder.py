"""The recorder end to end on a simulated line: answered calls become WAV files, then compact files with
their metadata; pauses, policies, the disk guard, retention, and repair after a crash."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from ctid.audit.tables import audit_log
from ctid.calls.service import CallLog
from ctid.core.config import LineConfig, RecordingConfig, SimLineOptions
from ctid.core.errors import Conflict
from ctid.core.events import EventBus
from ctid.core.phone import PhoneNormaliser
from ctid.recording import store
from ctid.recording.events import RecordingChanged
from ctid.recording.files import digest
from ctid.recording.models import Recording
from ctid.recording.recorder import Recorder, RecorderParts, RecorderSettings
from ctid.recording.wav import WavWriter, read_info
from ctid.recording.waveform import cached_peaks
from ctid.storage.db import Database
from ctid.voicecard.lines import Lines
from ctid.voicecard.sim import SimCall, SimLine
from tests.recording.wiring import FixedStaff, Tape, plan_of
from tests.support.media import seconds
from tests.support.waiting import eventually, wait_until

CALL = SimCall("13912345678", rings=1, answer_after=1, talk_s=0.6, ring_period_s=0.01)


@dataclass
class Rig:
    recorder: Recorder
    call_log: CallLog
    lines: Lines
    bus: EventBus
    root: Path
    events: list[RecordingChanged]

    @property
    def line(self) -> SimLine:
        line = self.lines.get("desk")
        assert isinstance(line, SimLine)
        return line


async def _rig(
    db: Database, root: Path, settings: RecordingConfig, tape: Tape | None = None, **line: object
) -> Rig:
    """The sim line's own audio (played in real time while captured), or ``tape``'s, whose clock is then the
    recorder's monotonic one."""
    bus = EventBus()
    config = replace(LineConfig("desk", "sim", options=SimLineOptions(ring_timeout_s=0.2)), **line)
    lines = Lines((config,), bus)
    if tape is not None:
        lines.get("desk").audio = tape
    recorder = Recorder(
        RecorderParts(db, bus, lines, PhoneNormaliser("CN", "020")),
        plan_of((config,)),
        RecorderSettings(settings, root, "Asia/Shanghai"),
        FixedStaff([7], {"SH01": 1, "SH02": 2}),
        monotonic=tape.monotonic if tape is not None else time.monotonic,
    )
    events: list[RecordingChanged] = []
    bus.subscribe(RecordingChanged, events.append)
    call_log = CallLog(db, bus, PhoneNormaliser("CN", "020"))  # follows the same calls, as in the daemon
    await call_log.start()
    await recorder.start()
    await lines.start()
    return Rig(recorder, call_log, lines, bus, root, events)


@pytest.fixture
async def make_rig(db: Database, tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    rigs: list[Rig] = []

    async def make(settings: RecordingConfig | None = None, tape: Tape | None = None, **line: object) -> Rig:
        settings = settings or RecordingConfig(min_free_mb=0)
        rig = await _rig(db, tmp_path / "recordings", settings, tape, **line)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        await rig.lines.stop()
        await rig.recorder.stop()
        await rig.call_log.stop()


async def _answer(rig: Rig) -> asyncio.Task[str | None]:
    """A call on the desk, answered (on a line that records always, its take begun by the same event); it
    talks until ``_hang_up``: a test whose call ended after a fixed time found it over on a busy machine."""
    call = asyncio.create_task(rig.line.play(replace(CALL, talk_s=3600.0)))
    await wait_until(lambda: rig.line.info.status == "in call", 5, "the call answered")
    return call


async def _hang_up(rig: Rig, call: asyncio.Task[str | None]) -> None:
    await rig.line.hangup()
    call.cancel()  # what was left of its talk
    await asyncio.gather(call, return_exceptions=True)


async def _all(db: Database) -> list[Recording]:
    async with db.connect() as conn:
        return await store.by_status(
            conn, ("recording", "finished", "ready", "repaired", "failed", "deleted")
        )


async def test_an_answered_call_becomes_a_compact_recording_with_its_metadata(
    make_rig: Callable[..., object], db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    tape = Tape()
    rig: Rig = await make_rig(tape=tape)  # type: ignore[misc]
    call = await _answer(rig)
    call_id = rig.line.info.call_id
    tape.play(0.6)
    await _hang_up(rig, call)
    await rig.recorder.settled()
    await eventually(lambda: _ended(rig, call_id), what="the call's end in the call log (from its queue)")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    [recording] = await _all(db)
    assert (recording.call_id, recording.line, recording.direction) == (call_id, "desk", "inbound")
    assert (recording.number, recording.number_e164) == ("13912345678", "+8613912345678")
    assert (recording.status, recording.format, recording.branch_id, recording.operator_id) == (
        "ready",
        "opus",
        1,
        7,
    )
    assert recording.path.endswith(".opus") and recording.path.count("/") == 3
    path = rig.root / recording.path
    assert digest(path) == (recording.size_bytes, recording.sha256)
    assert recording.duration_s == 0.6  # all that was heard, however late the loop ran
    assert abs(seconds(path) - recording.duration_s) < 0.1
    assert not list(rig.root.rglob("*.wav"))  # the WAV is gone once the compact file is verified
    cache = path.with_suffix(".peaks.json")
    kept = json.loads(cache.read_text())  # the waveform taken from the WAV, stamped as the compact file's
    assert cached_peaks(path, cache).values == tuple(kept["values"])  # used as is: no decoding
    assert [e.state for e in rig.events] == ["recording", "stopped"]


async def test_wav_format_keeps_the_wav(make_rig: Callable[..., object], db: Database) -> None:
    rig: Rig = await make_rig(RecordingConfig(format="wav", min_free_mb=0))  # type: ignore[misc]
    await rig.line.play(CALL)
    await rig.recorder.settled()
    [recording] = await _all(db)
    assert (recording.status, recording.format) == ("ready", "wav")
    info = read_info(rig.root / recording.path)
    assert info.rate == 8000 and abs(info.duration_s - (recording.duration_s or 0)) < 0.01


async def test_pause_and_resume(make_rig: Callable[..., object], db: Database) -> None:
    tape = Tape()
    rig: Rig = await make_rig(RecordingConfig(format="wav", min_free_mb=0), tape)  # type: ignore[misc]
    call = await _answer(rig)
    await wait_until(lambda: rig.events, what="the take's row written")
    tape.play(0.3)
    rig.recorder.pause("desk")
    assert rig.recorder.state("desk") == ("paused", rig.events[0].recording_id)
    tape.play(0.4)  # not recorded
    rig.recorder.resume("desk")
    tape.play(0.2)
    await _hang_up(rig, call)
    await rig.recorder.settled()
    [recording] = await _all(db)
    assert (recording.paused_s, recording.duration_s) == (0.4, 0.3 + 0.2)
    assert [e.state for e in rig.events] == ["recording", "paused", "recording", "stopped"]


async def test_a_line_that_may_not_pause_refuses(make_rig: Callable[..., object]) -> None:
    rig: Rig = await make_rig(record_pause=False)  # type: ignore[misc]
    task = asyncio.create_task(rig.line.play(CALL))
    await wait_until(lambda: rig.events, what="the take started")
    with pytest.raises(Conflict):
        rig.recorder.pause("desk")
    await task


async def test_policies_never_and_on_demand(make_rig: Callable[..., object], db: Database) -> None:
    never: Rig = await make_rig(record="never")  # type: ignore[misc]
    call = await _answer(never)
    with pytest.raises(Conflict):
        never.recorder.record_now("desk")
    await _hang_up(never, call)
    await never.recorder.settled()
    assert await _all(db) == []
    await never.lines.stop()
    await never.recorder.stop()

    tape = Tape()
    demand: Rig = await make_rig(tape=tape, record="on demand")  # type: ignore[misc]
    with pytest.raises(Conflict):
        demand.recorder.record_now("desk")  # no call in progress
    call = await _answer(demand)
    tape.play(0.3)  # talk before the operator asks
    assert demand.recorder.state("desk") is None
    demand.recorder.record_now("desk")
    tape.play(0.5)
    await _hang_up(demand, call)
    await demand.recorder.settled()
    [recording] = await _all(db)
    assert recording.duration_s == 0.5  # from the moment asked, not the whole call


async def _ended(rig: Rig, call_id: str) -> bool:
    call = await rig.call_log.get(call_id)
    return call is not None and call.ended_at is not None


async def test_low_disk_stops_recording_with_an_alert(
    make_rig: Callable[..., object], db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    huge = RecordingConfig(min_free_mb=10**9)
    with caplog.at_level(logging.ERROR):
        rig: Rig = await make_rig(huge)  # type: ignore[misc]
    assert rig.recorder.alert() == "recordings stopped: disk almost full"
    assert "below the" in caplog.text and "MB recordings need" in caplog.text
    await rig.line.play(CALL)
    await rig.recorder.settled()
    assert await _all(db) == []


async def test_low_disk_mid_call_ends_the_take_cleanly(make_rig: Callable[..., object], db: Database) -> None:
    tape = Tape()
    rig: Rig = await make_rig(RecordingConfig(format="wav", min_free_mb=0), tape)  # type: ignore[misc]
    call = await _answer(rig)
    tape.play(0.3)  # mid-call
    rig.recorder.settings = replace(rig.recorder.settings, min_free_mb=10**9)
    rig.recorder.check_disk()
    assert rig.recorder.state("desk") is None and rig.line.info.status == "in call"
    tape.play(0.2)  # after the take ended: not recorded
    await _hang_up(rig, call)
    await rig.recorder.settled()
    [recording] = await _all(db)
    assert (recording.status, recording.problem, recording.duration_s) == ("ready", "disk almost full", 0.3)
    assert rig.events[-1].problem == "disk almost full"


async def test_a_file_cut_off_by_a_crash_is_repaired_and_registered_at_start(
    make_rig: Callable[..., object], db: Database, tmp_path: Path
) -> None:
    root = tmp_path / "recordings"
    started = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    relative = "2026/12/01/100000_desk_abc.wav"
    (root / "2026/12/01").mkdir(parents=True)
    writer = WavWriter(root / relative, 8000, fsync_every_s=None)
    writer.write(np.arange(8000 * 3, dtype=np.int16))  # 3 s; sizes declared for the first seconds only
    writer.flush()  # what the kernel has when the process is killed (no close)
    row = {"call_id": "abc", "line": "desk", "direction": "inbound", "started_at": started}
    row |= {"status": "recording", "format": "wav", "path": relative, "sample_rate": 8000, "source": "sim"}
    async with db.begin() as conn:
        rid = await store.insert_recording(conn, row)
    orphan = "2026/12/01/100500_desk_def.wav"
    WavWriter(root / orphan, 8000).write(np.zeros(8000, dtype=np.int16))

    rig: Rig = await make_rig()  # type: ignore[misc]
    await rig.recorder.settled()
    recordings = {r.call_id: r for r in await _all(db)}
    repaired = recordings["abc"]
    assert repaired.id == rid and repaired.status == "ready" and repaired.format == "opus"
    assert repaired.duration_s == pytest.approx(3.0, abs=0.01)
    assert repaired.problem and "repaired" in repaired.problem
    assert abs(seconds(root / repaired.path) - 3.0) < 0.1
    found = recordings["def"]
    assert (found.line, found.status) == ("desk", "ready")
    assert found.started_at == datetime(2026, 12, 1, 2, 5, tzinfo=UTC)  # 10:05 in Shanghai


async def test_retention_deletes_old_recordings_per_branch_and_audits(
    make_rig: Callable[..., object], db: Database, tmp_path: Path
) -> None:
    root = tmp_path / "recordings"
    now = datetime.now(UTC)
    ages = {"a": (1, 40), "b": (2, 40), "c": (2, 400), "d": (3, 5), "e": (None, 100)}
    ids = {}
    async with db.begin() as conn:
        for name, (branch, days) in ages.items():
            relative = f"old/{name}.wav"
            (root / "old").mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(b"RIFF")
            row = {"call_id": name, "line": "desk", "direction": "inbound", "branch_id": branch}
            row |= {"started_at": now - timedelta(days=days), "status": "ready", "format": "wav"}
            ids[name] = await store.insert_recording(
                conn, {**row, "path": relative, "sample_rate": 8000, "source": "sim"}
            )
    settings = RecordingConfig(min_free_mb=0, retention_days=30, branch_retention_days=("SH02=365",))
    rig: Rig = await make_rig(settings)  # type: ignore[misc]
    assert await rig.recorder.apply_retention() == 3
    kept = {r.call_id: r.status for r in await _all(db)}
    assert kept == {"a": "deleted", "b": "ready", "c": "deleted", "d": "ready", "e": "deleted"}
    assert not (root / "old/a.wav").exists() and (root / "old/b.wav").exists()
    async with db.connect() as conn:
        audited = (await conn.execute(select(audit_log.c.entity_id, audit_log.c.action))).all()
    assert sorted(audited) == sorted((str(ids[n]), "recording.delete") for n in "ace")
