"""Caller ID and DTMF from one stream of audio blocks: FSK in one or both tone plans, and DTMF. Pure.

Frames go to ``ctid.voicecard.callerid.decode_frame`` and DTMF caller ID to ``decode_dtmf``, the parsers
the modem's ``MESG`` frames use, so a number reads the same whichever way it arrived, and a frame with a
bad checksum is refused in one place. A refused frame is reported too (``RejectedFrame``): an installer, and
a tap-only line that takes a caller-ID burst as its ring, want to know a burst was heard.

DTMF caller ID (``A<number>C``, ``D<number>#``, ``B00``, ``D1#``...) starts with A, B or D and ends with C
or #, or when no digit follows for ``DTMF_GAP_S``. Other digits (someone dialling out) are reported one by
one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ctid.voicecard.callerid import CallerId, FrameError, checksum_holds, decode_dtmf, decode_frame
from ctid.voicecard.dsp.dtmf import DtmfDetector, DtmfDigit
from ctid.voicecard.dsp.fsk import FskDemodulator, FskFrame, check_rate
from ctid.voicecard.dsp.plans import plans_for

DTMF_GAP_S: Final = 1.0
"""Silence that ends a DTMF caller ID sent without its closing C or #."""
_CALLER_ID_STARTS: Final = frozenset("ABD")
_CALLER_ID_ENDS: Final = frozenset("C#")


@dataclass(frozen=True)
class HeardCallerId:
    """Caller ID decoded from the audio: ``format`` is ``fsk-mdmf``, ``fsk-sdmf`` or ``dtmf``; ``raw`` the
    frame (hex) or the digits; ``time_s`` the seconds from the stream's start to its first bit or digit."""

    caller_id: CallerId
    format: str
    time_s: float
    raw: str
    plan: str | None = None


@dataclass(frozen=True)
class RejectedFrame:
    """A caller-ID frame that was heard whole but refused (a bad checksum, a truncated parameter...)."""

    error: str
    time_s: float
    raw: str
    plan: str


@dataclass(frozen=True)
class HeardDigit:
    """A DTMF digit that is not part of caller ID (a number being dialled, a menu choice)."""

    digit: str
    time_s: float


Heard = HeardCallerId | RejectedFrame | HeardDigit


class DtmfCallerIdAssembler:
    """DTMF digits -> caller ID sequences and loose digits. Pure; times in seconds."""

    def __init__(self, gap_s: float = DTMF_GAP_S) -> None:
        self._gap_s = gap_s
        self._digits: list[DtmfDigit] = []

    def feed(self, digit: DtmfDigit) -> list[Heard]:
        heard = self.tick(digit.time_s)
        if self._digits:
            self._digits.append(digit)
            if digit.digit in _CALLER_ID_ENDS:
                heard += self._finish()
        elif digit.digit in _CALLER_ID_STARTS:
            self._digits.append(digit)
        else:
            heard.append(HeardDigit(digit.digit, digit.time_s))
        return heard

    def tick(self, now_s: float) -> list[Heard]:
        """Finish a sequence nothing has followed for the gap (``now_s``: the stream's time)."""
        if self._digits and now_s - self._digits[-1].time_s > self._gap_s:
            return self._finish()
        return []

    def flush(self) -> list[Heard]:
        return self._finish() if self._digits else []

    def _finish(self) -> list[Heard]:
        digits, self._digits = self._digits, []
        text = "".join(d.digit for d in digits)
        try:
            caller_id = decode_dtmf(text)
        except FrameError:  # not caller ID after all: someone pressing keys
            return [HeardDigit(d.digit, d.time_s) for d in digits]
        return [HeardCallerId(caller_id, "dtmf", digits[0].time_s, text)]


class AudioCallerIdDecoder:
    """Streaming over int16 blocks: caller ID (FSK frames, DTMF) and loose DTMF digits, in order heard.

    Blocks are gathered to ``chunk_s`` before they are worked on: a sound card's 20 ms blocks would spend
    more on numpy's per-call costs than on the work, and caller ID does not need to be known 80 ms sooner.
    """

    def __init__(
        self, rate: int = 8000, plan: str = "auto", *, name_encoding: str = "gbk", chunk_s: float = 0.1
    ) -> None:
        check_rate(rate)
        self.rate = rate
        self._name_encoding = name_encoding
        self._chunk = max(1, round(chunk_s * rate))
        self._gathered: list[npt.NDArray[np.int16]] = []
        self._gathered_count = 0
        self._fsk = [FskDemodulator(rate, tone_plan) for tone_plan in plans_for(plan)]
        self._dtmf = DtmfDetector(rate)
        self._assembler = DtmfCallerIdAssembler()
        self._samples = 0
        self._reported: list[tuple[int, int, bool]] = []  # recent frames: start, end, accepted

    def feed(self, samples: npt.NDArray[np.int16]) -> list[Heard]:
        self._gathered.append(samples)
        self._gathered_count += len(samples)
        if self._gathered_count < self._chunk:
            return []
        return self._work()

    def flush(self) -> list[Heard]:
        """The end of the stream: what is gathered is worked on, and a DTMF caller ID still waiting for
        its gap is decoded now."""
        return self._work() + self._assembler.flush()

    def _work(self) -> list[Heard]:
        if not self._gathered:
            return []
        samples = np.concatenate(self._gathered) if len(self._gathered) > 1 else self._gathered[0]
        self._gathered, self._gathered_count = [], 0
        self._samples += len(samples)
        frames = sorted((f for demodulator in self._fsk for f in demodulator.feed(samples)), key=_valid_first)
        heard: list[Heard] = []
        for frame in frames:
            heard += self._frame(frame)
        for digit in self._dtmf.feed(samples):
            heard += self._assembler.feed(digit)
        heard += self._assembler.tick(self._samples / self.rate)
        return sorted(heard, key=lambda item: item.time_s)

    def _frame(self, frame: FskFrame) -> list[Heard]:
        """One plan's frame, unless the other plan already reported this burst (or reports it better)."""
        try:
            caller_id = decode_frame(frame.data, name_encoding=self._name_encoding)
        except FrameError as error:
            if self._overlaps(frame, accepted_only=False):
                return []
            self._remember(frame, accepted=False)
            return [RejectedFrame(str(error), frame.time_s, frame.data.hex().upper(), frame.plan)]
        if self._overlaps(frame, accepted_only=True):
            return []
        self._remember(frame, accepted=True)
        fmt = f"fsk-{caller_id.format}"
        return [HeardCallerId(caller_id, fmt, frame.time_s, frame.data.hex().upper(), frame.plan)]

    def _overlaps(self, frame: FskFrame, *, accepted_only: bool) -> bool:
        return any(
            start < frame.end and frame.start < end and (accepted or not accepted_only)
            for start, end, accepted in self._reported
        )

    def _remember(self, frame: FskFrame, *, accepted: bool) -> None:
        self._reported = [*self._reported[-7:], (frame.start, frame.end, accepted)]


def _valid_first(frame: FskFrame) -> tuple[int, int]:
    """Frames whose checksum holds first: of two plans' frames of one burst, the good one is reported."""
    return 0 if checksum_holds(frame.data) else 1, frame.start
