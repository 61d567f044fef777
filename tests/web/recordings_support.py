"""Recordings for the web and browser tests: real audio files (numpy + wave, Opus by the real ffmpeg)
and real rows written through the recording store, as the recorder leaves them."""

from __future__ import annotations

import hashlib
import subprocess
import wave
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ctid.accounts.models import Role, User
from ctid.calls import store as calls_store
from ctid.crm.new_customer import NewCustomer
from ctid.recording import store
from ctid.storage.db import Database
from tests.support.site import TEST_ACTOR, Site

RATE = 8000
T0 = datetime(2026, 3, 22, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


def speech_like(seconds: float, rate: int = RATE, seed: int = 7) -> np.ndarray:
    """Int16 audio that is quiet for its first quarter, then bursts of tones and noise (a voice's shape),
    so a waveform has something to show and a byte range something to compare."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    envelope = (np.sin(2 * np.pi * 0.7 * t) > -0.2).astype(float) * (t > seconds / 4)
    tone = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1210 * t)
    signal = envelope * (tone + 0.1 * rng.standard_normal(len(t)))
    return (np.clip(signal, -1, 1) * 20000).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return path


def to_opus(wav_path: Path, opus_path: Path, bitrate_kbps: int = 24) -> Path:
    """Transcoded by the real ffmpeg, as the finisher does."""
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav_path)]
    command += ["-c:a", "libopus", "-b:a", f"{bitrate_kbps}k", str(opus_path)]
    subprocess.run(command, check=True, capture_output=True)
    return opus_path


def digest(path: Path) -> tuple[int, str]:
    data = path.read_bytes()
    return len(data), hashlib.sha256(data).hexdigest()


async def add_recording(
    db: Database,
    root: Path,
    *,
    seconds: float = 6.0,
    fmt: str = "wav",
    started_at: datetime = T0,
    name: str | None = None,
    **fields: Any,
) -> int:
    """A finished recording: its file under ``root`` (real audio) and its row; ``fields`` override the
    row's values (number, operator_id, direction, note, tags, status...). With ``customer_id`` or
    ``call_note``, its call (``call_id``) is in the call log too, as the call log writes it, with them: the
    recording reads them from there."""
    customer_id, call_note = fields.pop("customer_id", None), fields.pop("call_note", None)
    stem = name or f"{started_at:%Y/%m/%d/%H%M%S}_{fields.get('line', 'desk')}_{fields.get('call_id') or 'x'}"
    wav_path = write_wav(root / f"{stem}.wav", speech_like(seconds, seed=len(stem)))
    path = wav_path if fmt == "wav" else to_opus(wav_path, root / f"{stem}.{fmt}")
    if fmt != "wav":
        wav_path.unlink()
    size, sha = digest(path)
    values: dict[str, Any] = {
        "call_id": None,
        "line": "desk",
        "branch_id": None,
        "direction": "inbound",
        "number": "13912345678",
        "number_e164": "+8613912345678",
        "operator_id": None,
        "started_at": started_at,
        "ended_at": started_at + timedelta(seconds=seconds),
        "duration_s": seconds,
        "paused_s": 0.0,
        "status": "ready" if fmt != "wav" else "finished",
        "format": fmt,
        "path": str(path.relative_to(root)),
        "size_bytes": size,
        "sha256": sha,
        "sample_rate": RATE,
        "source": "tap",
        "tags": "",
        **fields,
    }
    async with db.begin() as conn:
        if customer_id is not None or call_note is not None:
            await calls_store.insert_call(conn, _call(values, customer_id, call_note))
        return await store.insert_recording(conn, values)


def _call(recording: dict[str, Any], customer_id: int | None, note: str | None) -> dict[str, Any]:
    """The call log's row of a recorded (answered) call."""
    started, ended = recording["started_at"], recording["ended_at"]
    answered = started if recording["direction"] == "inbound" else None
    return {
        "id": recording["call_id"],
        "line": recording["line"],
        "direction": recording["direction"],
        "number": recording["number"],
        "number_e164": recording["number_e164"],
        "customer_id": customer_id,
        "started_at": started,
        "answered_at": answered,
        "ended_at": ended,
        "outcome": "answered" if answered else "connected",
        "note": note,
    }


@dataclass
class Shelf:
    """The recordings of one branch's week, and who made them."""

    root: Path
    olga: User  # operator
    oleg: User  # operator
    sue: User  # supervisor
    customer_id: int
    a: int  # olga, inbound 139..., 6 s, opus, note and tag, the customer's, call c1
    b: int  # oleg, outbound 021..., 20 s, line "front", call c2
    c: int  # olga, inbound 0755..., 45 s
    busy: int  # olga, still recording
    elsewhere: int  # another branch's


async def build_shelf(site: Site, operator: User) -> Shelf:
    services = site.services
    root, db = services.recordings.root, services.db
    branch = (await site.accounts.branches.default_branch()).id
    other_branch = await site.branch("north", "北区店")
    oleg = await site.user("oleg", Role.OPERATOR)
    sue = await site.user("sue", Role.SUPERVISOR)
    card = await services.crm.create_customer(
        TEST_ACTOR, NewCustomer(name="李建国", kind="person", branch_id=branch, phones=["13912345678"])
    )
    common = {"branch_id": branch}
    a = await add_recording(
        db,
        root,
        fmt="opus",
        call_id="c1",
        operator_id=operator.id,
        customer_id=card.id,
        note="客户投诉刹车异响",
        tags=",投诉,",
        **common,
    )
    b = await add_recording(
        db,
        root,
        seconds=20,
        started_at=T0 + timedelta(days=1),
        call_id="c2",
        line="front",
        direction="outbound",
        number="02168881234",
        number_e164="+862168881234",
        operator_id=oleg.id,
        **common,
    )
    c = await add_recording(
        db,
        root,
        seconds=45,
        started_at=T0 + timedelta(days=2),
        call_id="c3",
        number="075588881234",
        number_e164="+8675588881234",
        operator_id=operator.id,
        **common,
    )
    busy = await add_recording(
        db,
        root,
        started_at=T0 + timedelta(days=3),
        call_id="c4",
        operator_id=operator.id,
        status="recording",
        duration_s=None,
        ended_at=None,
        number="13600000000",
        number_e164="+8613600000000",
        **common,
    )
    elsewhere = await add_recording(db, root, call_id="c5", branch_id=other_branch, operator_id=operator.id)
    return Shelf(root, operator, oleg, sue, card.id, a, b, c, busy, elsewhere)
