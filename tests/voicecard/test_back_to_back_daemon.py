"""Calls that come back to back, through a real daemon: modems on ptys, a line tap on an ALSA sound card.

China's cadence: RING (or a second of ringing voltage on the tap) every 5 s, caller ID between the first and
the second. Each line plays four calls whose callers hang up after their last ring, the next caller ringing
1 s, 3 s, then 6 s later (less than ``ring_timeout_s``): on one line the same number every time, on another
a different one. Formatted, MDMF and SDMF modems and an FSK tap: every call is its own row in the call log
and pops on its own. A voice-mode modem adds call waiting: the answered call's console is told, the log
keeps it with the number masked.

The ``asyncio.sleep`` calls below are the exchange's cadence being played, not waits for a result; every
result is awaited with a deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest

from ctid.voicecard.dsp.modulator import caller_id_burst, pcm16, silence
from tests.support.alsa_rig import AlsaRig
from tests.support.daemon_site import Site, start_site
from tests.support.fakemodem import FakeModem, mdmf
from tests.support.waiting import await_until
from tests.voicecard.line_audio import china_call

A, B = "13912345678", "02088881234"
GAPS = (1.0, 3.0, 6.0)
RINGS = (2, 2, 2, 1)  # each call's rings (the last one is only followed until it pops)
MODEMS = {"fmt": "formatted", "mdmf": "unformatted", "sdmf": "unformatted"}
VOICE_INIT = '["ATZ", "ATE0V1Q0", "AT+VCID=1", "AT+FCLASS=8"]'
TAPS = {"tap-same": "linesame", "tap-other": "lineother"}  # line name -> the sound card it listens to


def numbers(same: bool) -> list[str]:
    return [A, A, A, A] if same else [A, B, A, B]


def config(fakes: dict[str, FakeModem]) -> str:
    lines = []
    for name, fake in fakes.items():
        kind = name.split("-")[0]
        mode = MODEMS.get(kind, "formatted")
        extra = f'init = {VOICE_INIT}\nrecord = "never"\n' if kind == "cw" else ""
        lines.append(
            f'name = "{name}"\ndriver = "modem"\ndevice = "{fake.path}"\ncid_mode = "{mode}"\n{extra}'
        )
    for name, device in TAPS.items():
        lines.append(f'name = "{name}"\ndriver = "audio"\ndevice = "{device}"\nrecord = "never"\n')
    return "".join(f"[[lines]]\n{line}" for line in lines)


async def play_modem(fake: FakeModem, kind: str, same: bool) -> None:
    """Four calls on a modem line, China's cadence; each caller hangs up as its last ring ends (1 s on)."""
    for index, number in enumerate(numbers(same)):
        fake.ring()
        await asyncio.sleep(0.5)
        fake.caller_id(number, sdmf_frame=kind == "sdmf")
        if index == len(GAPS):
            return
        await asyncio.sleep(4.5)
        fake.ring()
        await asyncio.sleep(1.0 + GAPS[index])


def tap_audio(same: bool) -> np.ndarray:
    parts = []
    for index, number in enumerate(numbers(same)):
        parts.append(china_call(caller_id_burst(mdmf(number)), rings=RINGS[index]))
        parts.append(silence(GAPS[index] if index < len(GAPS) else 2.0))
    return pcm16(np.concatenate(parts))


async def call_waiting(fake: FakeModem, pops: list[dict[str, Any]]) -> None:
    """Answered by the handset, then another caller's caller ID: call waiting, not a call."""
    fake.ring()
    await asyncio.sleep(0.5)
    fake.caller_id(A)
    await await_until(lambda: any(p["type"] == "call.identified" and p["call"]["line"] == "cw" for p in pops))
    fake.dle("H")
    await await_until(lambda: any(p["type"] == "call.answered" and p["call"]["line"] == "cw" for p in pops))
    fake.caller_id(B, "LI SI")


@asynccontextmanager
async def console(site: Site) -> AsyncIterator[list[dict[str, Any]]]:
    """An admin's websocket (every line of the branch): the messages it receives, as they come."""
    messages: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {site.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(site.daemon.url + "/ws", headers=headers) as ws,
    ):

        async def read() -> None:
            async for message in ws:
                messages.append(json.loads(message.data))

        reader = asyncio.create_task(read())
        try:
            yield messages
        finally:
            reader.cancel()


def identified(pops: list[dict[str, Any]]) -> dict[str, str | None]:
    return {p["call"]["id"]: p["call"]["number"] for p in pops if p["type"] == "call.identified"}


async def test_back_to_back_calls_are_each_their_own_row_and_pop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes = {
        f"{kind}-{case}": FakeModem(tmp_path / f"tty-{kind}-{case}")
        for kind in MODEMS
        for case in ("same", "other")
    }
    fakes["cw"] = FakeModem(tmp_path / "tty-cw")
    for fake in fakes.values():
        fake.plug()
    with AlsaRig(tmp_path, monkeypatch) as rig:  # the daemon inherits HOME and reads its .asoundrc
        taps = {name: rig.line(device) for name, device in TAPS.items()}
        site = await asyncio.to_thread(start_site, tmp_path, config(fakes))
        try:
            await await_until(lambda: all(s == "up" for s in line_states(site).values()), within_s=30)
            async with console(site) as pops:
                for name, tap in taps.items():
                    tap.play(tap_audio(same=name == "tap-same"))
                scripts = [
                    play_modem(fake, name.split("-")[0], name.endswith("same"))
                    for name, fake in fakes.items()
                    if name != "cw"
                ]
                await asyncio.gather(*scripts, call_waiting(fakes["cw"], pops))
                for tap in taps.values():
                    await tap.played()
                lines = [name for name in (*fakes, *taps) if name != "cw"]
                what = "four calls, each identified, on every line"
                rows = await await_until(lambda: calls_by_line(site, lines), within_s=15, what=what)
                for line, calls in rows.items():
                    assert [c["number"] for c in calls] == numbers(line.endswith("same")), line
                    assert [c["end_reason"] for c in calls[:3]] == ["caller hung up"] * 3, line
                    if not line.startswith("tap"):  # a tap hears no RING: its burst is its one ring
                        assert [c["rings"] for c in calls[:3]] == list(RINGS[:3]), line
                    assert all(c["outcome"] == "missed" for c in calls[:3]), line
                    ids = [c["id"] for c in calls]
                    await await_until(lambda ids=ids: set(ids) <= identified(pops).keys(), within_s=5)
                    assert [identified(pops)[i] for i in ids] == numbers(line.endswith("same")), line
                waiting = await await_until(lambda: [p for p in pops if p["type"] == "call.waiting"])
            cw = site.rows("select id, number, outcome from calls where line = 'cw'")
            assert [(c["number"], c["outcome"]) for c in cw] == [(A, "answered")], "no second call"
            assert waiting[0]["call"]["id"] == cw[0]["id"] and waiting[0]["waiting"]["number"] == B
            log = site.log
            assert f"call waiting during call {cw[0]['id']}: 020*****234" in log and B not in log
        finally:
            await asyncio.to_thread(site.daemon.stop)
            for fake in fakes.values():
                fake.unplug()


def line_states(site: Site) -> dict[str, str]:
    status, body = site.get("/api/v1/lines")
    return {line["name"]: line["status"] for line in body["items"]} if status == 200 else {"?": "down"}


def calls_by_line(site: Site, lines: list[str]) -> dict[str, list[dict[str, Any]]] | None:
    """Each line's four calls, oldest first, once all are there and identified."""
    rows = site.rows("select * from calls order by started_at")
    found = {line: [r for r in rows if r["line"] == line] for line in lines}
    done = all(len(calls) == 4 and calls[-1]["identified_at"] for calls in found.values())
    return found if done else None
