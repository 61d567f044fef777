"""Fixtures for the tests that run the real serial transport against ``tests.support.fakemodem`` on a pty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ctid.core.events import EventBus
from tests.support.fakemodem import FakeModem
from tests.support.line_events import Recorder


@pytest.fixture
async def fake_modem(tmp_path: Path) -> AsyncIterator[FakeModem]:
    modem = FakeModem(tmp_path / "ttyFAKE0")
    modem.plug()
    yield modem
    modem.unplug()


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def recorder(bus: EventBus) -> Recorder:
    return Recorder(bus)
