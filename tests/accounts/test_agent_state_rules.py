"""The pure parts of the operators' states: what the board shows, what may be chosen, time in a state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ctid.accounts.agents import AgentState, effective, parse_state, time_in
from ctid.core.errors import ValidationError

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def test_a_chosen_state_shows_while_a_console_is_open_and_offline_without_one() -> None:
    assert effective(AgentState.BREAK, 2) == AgentState.BREAK
    assert effective(AgentState.READY, 1) == AgentState.READY
    assert effective(AgentState.READY, 0) == AgentState.OFFLINE


def test_only_ready_and_break_may_be_chosen() -> None:
    assert parse_state("break") == AgentState.BREAK
    for bad in ("offline", "READY", "", "小休"):
        with pytest.raises(ValidationError) as caught:
            parse_state(bad)
        assert caught.value.field == "state"


def test_time_on_break_counts_the_state_held_when_the_span_began_and_stops_at_its_end() -> None:
    minutes = lambda m: T0 + timedelta(minutes=m)  # noqa: E731
    changes = [
        ("break", minutes(-30)),
        ("ready", minutes(10)),
        ("break", minutes(50)),
        ("offline", minutes(80)),
    ]
    assert time_in(changes, "break", T0, minutes(60)) == 20 * 60  # 0-10 and 50-60
    assert time_in(changes, "ready", T0, minutes(60)) == 40 * 60
    assert time_in(changes, "break", T0, minutes(120)) == 40 * 60  # 0-10 and 50-80
    assert time_in([], "break", T0, minutes(60)) == 0
