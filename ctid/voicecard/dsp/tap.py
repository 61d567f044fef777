"""What a line tap hears -> what the line state machine is told. Pure: no I/O, times passed in.

A tap (a recording adapter between the line and the phone) hears the line but sees neither the ringing
voltage nor the hook switch, so the audio line reads the call from the sound:

- A caller-ID burst (FSK or DTMF) is the ring: it starts an inbound call, identified at once. A burst heard
  whole with a bad checksum starts one too, with the error as its caller ID (a ring without caller ID).
  Every burst is a caller-ID block of its own (``CallerIdUpdate.new_block``): one heard while a call still
  rings is the next caller's call (the last caller hung up), one heard during a call is call waiting.
- Voice after that is the answer, once it has lasted ``answer_s`` (longer than a burst: the next caller's
  burst while a call rings is a ring, not an answer), dated when it began; silence longer than the
  hang-over is the hang-up, dated at the last loud block. A burst is signalling, not voice: hearing caller
  ID resets the VOX.
- Voice on an idle line without caller ID: a steady dial tone means someone is about to dial out, and the
  DTMF digits that follow are the number (complete when none follows for ``digit_gap_s``): an outbound
  call, connected once dialled (a tap cannot hear the far end answer from the ringback). Anything else
  that stays loud for ``decide_s`` is an inbound call without caller ID, answered when the voice began.
- Digits during a call (menus, extensions) change nothing.

The machine's own state is passed in with every input: it ends calls by itself too (a ring that was never
answered), and the tap follows it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final, Literal

from ctid.voicecard.callerid import CallerId, CallerIdUpdate
from ctid.voicecard.dsp.decoder import Heard, HeardCallerId, HeardDigit, RejectedFrame
from ctid.voicecard.dsp.vox import Vox, VoxChange

DIAL_TONE_SHARE: Final = 0.6
"""A block is dial tone when this share of its energy is in one (see ``tones.dial_tone_share``)."""
_DIALABLE: Final = frozenset("0123456789*#")
_RINGING: Final = frozenset({"ringing", "identified"})
_TALKING: Final = frozenset({"answered", "connected"})
_CALLER_ID_FIELDS: Final = tuple(f.name for f in dataclasses.fields(CallerId) if f.name != "format")


@dataclass(frozen=True)
class TapSettings:
    threshold_dbfs: float = -40.0
    attack_s: float = 0.1
    hangover_s: float = 8.0
    decide_s: float = 1.0
    """Voice on an idle line that is not a dial tone for this long: an inbound call without caller ID."""
    answer_s: float = 2.0
    """Voice on a ringing line for this long (loud for ``decide_s / 2`` of it): the answer. A caller-ID
    burst is shorter (FSK under 1 s, DTMF under 2 s) and decoded before: the next caller, not an answer."""
    dial_tone_s: float = 0.3
    """A dial tone this steady: an outbound call is being dialled."""
    dial_wait_s: float = 10.0
    """After a dial tone, how long the first digit may take (a rotary phone's pulses are not heard)."""
    digit_gap_s: float = 3.0
    """The dialled number is complete when no digit follows for this long."""


@dataclass(frozen=True)
class TapAction:
    """One input for the line state machine, at monotonic time ``at``."""

    kind: Literal["caller_id", "ring", "answer", "hangup", "dial", "connected"]
    at: float
    update: CallerIdUpdate | None = None
    number: str = ""


class LineTap:
    def __init__(self, settings: TapSettings | None = None) -> None:
        self.settings = settings = settings or TapSettings()
        self._vox = Vox(settings.threshold_dbfs, settings.attack_s, settings.hangover_s)
        self._began: float | None = None  # the call in progress began talking (answer or dial) at
        self._voice_at: float | None = None  # voice on an idle line since, not yet judged
        self._loud_s = 0.0  # how much of it was loud
        self._answering: tuple[float, float] | None = None  # voice on a ringing line: since, loud seconds
        self._tone_since: float | None = None  # the current run of dial-tone blocks began at
        self._dial_tone_at: float | None = None  # a dial tone was heard: waiting for digits
        self._digits: list[tuple[str, float]] = []  # dialled so far, with times

    def block(
        self, level_dbfs: float, tone_share: float, at: float, duration: float, state: str
    ) -> list[TapAction]:
        """One audio block: its voice level, dial-tone share, start time and length, and the line's state."""
        change = self._vox.feed(level_dbfs, at, duration)
        loud = level_dbfs >= self.settings.threshold_dbfs
        steady = loud and tone_share >= DIAL_TONE_SHARE
        self._tone_since = (self._tone_since if self._tone_since is not None else at) if steady else None
        end = at + duration
        if state in _RINGING:
            return self._maybe_answered(change, loud, duration, end)
        self._answering = None
        if state in _TALKING:
            return self._maybe_hang_up(end)
        if state != "idle":
            return []
        self._began = None
        if self._digits:
            return self._maybe_dialled(end)
        if self._dial_tone_at is not None:
            if end - self._dial_tone_at >= self.settings.dial_wait_s:
                self._forget()
            return []
        if self._voice_at is None:
            if change and change.kind == "start":
                self._voice_at, self._loud_s = change.at, end - change.at
            return []
        self._loud_s += duration if loud else 0.0
        return self._judge_voice(end)

    def heard(self, item: Heard, at: float, state: str) -> list[TapAction]:
        """Something the decoder heard, dated ``at`` (monotonic), and the line's state."""
        if isinstance(item, HeardDigit):
            if state == "idle" and item.digit in _DIALABLE:
                self._digits.append((item.digit, at))
                self._voice_at = self._dial_tone_at = None
            return []
        if isinstance(item, HeardCallerId):
            caller_id = item.caller_id
        elif state == "idle" or state in _RINGING:
            caller_id = CallerId(error=f"caller ID heard but refused: {item.error}")
        else:
            return []  # a refused frame during a call: noise, or a waiting caller we cannot read anyway
        assert isinstance(item, HeardCallerId | RejectedFrame)
        update = CallerIdUpdate(caller_id, _changed(caller_id), new_block=True)
        if state == "idle":
            self._forget()
            self._vox.reset()  # the burst was signalling; the answer is the voice that follows
            return [TapAction("caller_id", at, update), TapAction("ring", at)]
        if state in _RINGING:
            self._vox.reset()
            self._answering = None  # the loud part was this burst
        return [TapAction("caller_id", at, update)]

    def _maybe_answered(
        self, change: VoxChange | None, loud: bool, duration: float, end: float
    ) -> list[TapAction]:
        """Voice that lasts ``answer_s`` on a ringing line is the answer, dated when it began."""
        if change is not None and change.kind == "start":
            self._answering = (change.at, end - change.at)
            return []
        if self._answering is None:
            return []
        began, loud_s = self._answering[0], self._answering[1] + (duration if loud else 0.0)
        self._answering = (began, loud_s)
        if end - began < self.settings.answer_s:
            return []
        self._answering = None
        if loud_s < self.settings.decide_s / 2:  # a knock, a cough: not an answer
            self._vox.reset()
            return []
        self._began = began  # the hang-over counts from the voice, not from when it was judged
        return [TapAction("answer", began)]

    def _maybe_hang_up(self, end: float) -> list[TapAction]:
        """Silence for the hang-over ends the call, at the last loud block (or where it began talking)."""
        if self._began is None:
            self._began = end
        last = max(self._vox.last_loud or self._began, self._began)
        if end - last < self.settings.hangover_s:
            return []
        self._began = None
        self._vox.reset()
        return [TapAction("hangup", last)]

    def _maybe_dialled(self, end: float) -> list[TapAction]:
        if end - self._digits[-1][1] < self.settings.digit_gap_s:
            return []
        digits, self._digits = self._digits, []
        self._forget()
        number = "".join(digit for digit, _ in digits)
        self._began = end  # the hang-over counts from now: the ringback may not have begun yet
        return [TapAction("dial", digits[0][1], number=number), TapAction("connected", digits[-1][1])]

    def _judge_voice(self, end: float) -> list[TapAction]:
        """Voice on an idle line: a dial tone (wait for digits), an answered call, or a noise to forget."""
        settings = self.settings
        assert self._voice_at is not None
        if self._tone_since is not None and end - self._tone_since >= settings.dial_tone_s:
            self._dial_tone_at, self._voice_at = self._tone_since, None
            return []
        if end - self._voice_at < settings.decide_s:
            return []
        began, loud_s = self._voice_at, self._loud_s
        self._forget()
        if loud_s < settings.decide_s / 2:  # a door, a cough: not a conversation
            self._vox.reset()
            return []
        self._began = began
        return [TapAction("ring", began), TapAction("answer", began)]

    def _forget(self) -> None:
        """Drop what an idle line was waiting to judge."""
        self._voice_at = self._dial_tone_at = None
        self._loud_s = 0.0
        self._digits = []


def _changed(caller_id: CallerId) -> frozenset[str]:
    return frozenset(name for name in _CALLER_ID_FIELDS if getattr(caller_id, name) not in (None, False))
