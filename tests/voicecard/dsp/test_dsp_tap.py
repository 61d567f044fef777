"""The line tap's call logic: caller ID as the ring, VOX as answer and hang-up, dial tone and digits."""

from __future__ import annotations

import pytest

from ctid.voicecard.callerid import CallerId
from ctid.voicecard.dsp.decoder import HeardCallerId, HeardDigit, RejectedFrame
from ctid.voicecard.dsp.tap import LineTap, TapAction, TapSettings

QUIET, LOUD, TONE = -70.0, -20.0, 0.95
BLOCK = 0.02
SETTINGS = TapSettings(threshold_dbfs=-40, attack_s=0.1, hangover_s=2.0, decide_s=1.0, digit_gap_s=1.0)

STATES = {  # what the machine's state becomes after each action, as the driver would apply them
    "ring": "ringing",
    "answer": "answered",
    "hangup": "idle",
    "dial": "dialing",
    "connected": "connected",
}


class Line:
    """Drives a LineTap as the driver does, keeping the machine's state from the actions (and times)."""

    def __init__(self, settings: TapSettings = SETTINGS) -> None:
        self.tap = LineTap(settings)
        self.state = "idle"
        self.now = 0.0
        self.actions: list[TapAction] = []

    def _take(self, actions: list[TapAction]) -> None:
        for action in actions:
            self.actions.append(action)
            self.state = STATES.get(action.kind, self.state)

    def sound(self, seconds: float, level: float, share: float = 0.0) -> None:
        for _ in range(round(seconds / BLOCK)):
            self._take(self.tap.block(level, share, self.now, BLOCK, self.state))
            self.now += BLOCK

    def hear(self, item: HeardCallerId | RejectedFrame | HeardDigit) -> None:
        self._take(self.tap.heard(item, self.now, self.state))

    def kinds(self) -> list[str]:
        return [action.kind for action in self.actions]

    def at(self, kind: str) -> float:
        return next(action.at for action in self.actions if action.kind == kind)


def caller_id(number: str = "13912345678") -> HeardCallerId:
    return HeardCallerId(CallerId(number=number, format="sdmf"), "fsk-sdmf", 0.0, "")


def test_caller_id_rings_voice_answers_silence_hangs_up_at_the_last_word() -> None:
    line = Line()
    line.sound(0.7, LOUD)  # the burst itself: loud, but signalling
    line.hear(caller_id())
    line.sound(3.0, QUIET)  # ringing (not heard)
    line.sound(4.0, LOUD)  # "喂..."
    line.sound(3.0, QUIET)
    assert line.kinds() == ["caller_id", "ring", "answer", "hangup"]
    assert line.actions[0].update is not None and line.actions[0].update.caller_id.number == "13912345678"
    assert line.actions[0].update.changed == {"number"}
    assert line.at("ring") == pytest.approx(0.7)
    assert line.at("answer") == pytest.approx(3.7)
    assert line.at("hangup") == pytest.approx(7.7)


def test_voice_without_caller_id_is_an_inbound_call_answered_when_it_began() -> None:
    line = Line()
    line.sound(1.0, QUIET)
    line.sound(3.0, LOUD)
    assert line.kinds() == ["ring", "answer"]
    assert line.at("ring") == line.at("answer") == pytest.approx(1.0)
    line.sound(2.5, QUIET)
    assert line.kinds()[-1] == "hangup" and line.at("hangup") == pytest.approx(4.0)


def test_a_short_noise_on_an_idle_line_is_no_call() -> None:
    line = Line()
    line.sound(0.2, LOUD)
    line.sound(3.0, QUIET)
    line.sound(0.15, LOUD)
    line.sound(3.0, QUIET)
    assert line.actions == []


def test_dial_tone_then_digits_is_an_outbound_call() -> None:
    line = Line()
    line.sound(1.5, LOUD, TONE)
    for index, digit in enumerate("13912345678"):
        line.hear(HeardDigit(digit, 0.0))
        line.sound(0.16, LOUD, 0.0)
        assert line.kinds() == [], index
    line.sound(1.2, LOUD, TONE / 2)  # ringback, then talk
    assert line.kinds() == ["dial", "connected"]
    assert line.actions[0].number == "13912345678"
    assert line.at("dial") == pytest.approx(1.5)
    assert line.at("connected") == pytest.approx(1.5 + 10 * 0.16)
    line.sound(3.0, LOUD)
    line.sound(2.5, QUIET)
    assert line.kinds()[-1] == "hangup" and line.at("hangup") == pytest.approx(1.5 + 11 * 0.16 + 1.2 + 3.0)


def test_a_dial_tone_left_unused_makes_no_call() -> None:
    line = Line(TapSettings(threshold_dbfs=-40, hangover_s=2.0, dial_wait_s=3.0))
    line.sound(5.0, LOUD, TONE)
    line.sound(5.0, QUIET)
    line.sound(1.0, LOUD, TONE)
    assert line.actions == []


def test_digits_alone_make_an_outbound_call_and_letters_are_not_dialled() -> None:
    line = Line()
    for digit in "8B00*1#":
        line.hear(HeardDigit(digit, 0.0))
        line.sound(0.1, QUIET)
    line.sound(1.1, QUIET)
    assert [(a.kind, a.number) for a in line.actions] == [("dial", "800*1#"), ("connected", "")]


def test_digits_during_a_call_change_nothing() -> None:
    line = Line()
    line.hear(caller_id())
    line.sound(1.0, LOUD)
    line.hear(HeardDigit("5", 0.0))
    line.sound(1.0, LOUD)
    assert line.kinds() == ["caller_id", "ring", "answer"]


def test_a_refused_frame_rings_with_its_error_but_only_on_an_idle_line() -> None:
    line = Line()
    line.hear(RejectedFrame("bad checksum: ...", 0.0, "", "bell202"))
    assert line.kinds() == ["caller_id", "ring"]
    update = line.actions[0].update
    assert (
        update is not None and update.caller_id.error is not None and "bad checksum" in update.caller_id.error
    )
    assert not update.caller_id.identifies
    line.sound(2.5, LOUD)
    line.hear(RejectedFrame("bad checksum", 0.0, "", "bell202"))
    assert line.kinds() == ["caller_id", "ring", "answer"], "during a call: noise, or a waiting caller"


def test_the_next_callers_burst_while_ringing_is_caller_id_not_the_answer() -> None:
    line = Line()
    line.hear(caller_id())
    line.sound(3.0, QUIET)
    line.sound(0.7, LOUD)  # the next caller's burst: loud, and not yet decoded
    line.hear(caller_id("02088881234"))
    line.hear(RejectedFrame("bad checksum", 0.0, "", "bell202"))  # and one more caller, unreadable
    assert line.kinds() == ["caller_id", "ring", "caller_id", "caller_id"]
    assert all(a.update is not None and a.update.new_block for a in line.actions if a.kind == "caller_id")
    line.sound(1.0, QUIET)
    line.sound(2.5, LOUD)
    assert line.kinds()[-1] == "answer" and line.at("answer") == pytest.approx(4.7)


def test_a_knock_while_ringing_is_not_the_answer() -> None:
    line = Line()
    line.hear(caller_id())
    line.sound(0.3, LOUD)
    line.sound(3.0, QUIET)
    assert line.kinds() == ["caller_id", "ring"]


def test_a_ring_the_machine_ended_leaves_the_tap_idle() -> None:
    line = Line()
    line.hear(caller_id())
    line.sound(2.0, QUIET)
    line.state = "idle"  # the machine's ring timeout: missed
    line.sound(1.0, QUIET)
    line.sound(2.0, LOUD)  # a later call without caller ID
    assert line.kinds() == ["caller_id", "ring", "ring", "answer"]
