"""The simulated line behaves like a real one where a console can tell the difference."""

from __future__ import annotations

import pytest

from ctid.core.config import SimLineOptions
from ctid.core.events import EventBus
from ctid.voicecard.events import CallEnded, CallRinging
from ctid.voicecard.line import LineBusyError
from ctid.voicecard.sim import SimCall, SimLine
from tests.support.line_events import Recorder


async def test_a_ringing_sim_line_refuses_a_second_caller_and_misses_after_its_timeout() -> None:
    bus = EventBus()
    events = Recorder(bus)
    line = SimLine("desk", "Desk", bus, SimLineOptions(ring_timeout_s=0.2))
    await line.start()
    line.simulate(SimCall("13900001111", rings=1))
    await events.wait_for(CallRinging)
    with pytest.raises(LineBusyError):
        line.simulate(SimCall("13900002222", rings=1))
    await events.wait_for(CallEnded)
    await line.stop()
    assert len(events.of(CallRinging)) == 1
    assert [e.outcome for e in events.of(CallEnded)] == ["missed"]
