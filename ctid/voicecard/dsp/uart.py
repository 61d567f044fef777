"""The UART and the caller-ID frame assembler: FSK soft bits -> the bytes of whole frames. Pure.

Input is the discriminator's soft-bit signal at the sample rate (``> 0`` mark, ``< 0`` space; ``soft[i]``
judges the one-bit window that ends at sample ``i``). A byte starts where the signal crosses from mark to
space; its bits are read at their centres from that edge, as a UART re-synchronises on every start bit. A
frame starts only after a run of marks (the standards send 55 to 180; we ask for ``MARK_RUN_BITS``), its
first byte must be a caller-ID message type, and the length byte says where it ends. Checksums are not judged
here: ``ctid.voicecard.callerid.decode_frame`` does that, for the modem's frames and ours alike (a checksum
only chooses between two readings of one burst, see ``_Search._other_reading``).

Seizure, mark run and frame may come from different generators (some exchanges, three minimodem runs): the
carrier's phase then jumps before the frame. A jump near half a turn dips the soft bits below zero for up to
0.6 bit (Bell 202) or 0.9 bit (V.23, whose tones are only 800 Hz apart), a crossing that can pass for a
start bit; and one at the first start bit moves its crossing by up to 0.4 bit. Neither may cost the frame:
see ``_frame_starts``, ``_Walk.frame``, ``_fit_timing`` and ``_Search._other_reading``.

Why edges, not a free-running clock: some exchanges pause between bytes, and a byte's own start edge is
always there. Noise moves single edges, though, so the timing is made from all of them: between back-to-back
bytes the edge nearest to where the previous byte predicts it wins (a noise dip in a stop bit does not shift
the next byte), the bit period is tracked from edge to edge (a sender 2 % fast stays in step over a long
frame), and once the frame's last byte is found every byte is read again on a straight line fitted through
the edges of each back-to-back run.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from ctid.voicecard.callerid import MESSAGE_TYPES, checksum_holds

Soft = npt.NDArray[np.float32]
Positions = npt.NDArray[np.float64]

MARK_RUN_BITS: Final = 10
"""Marks (at least ``MARK_RUN_SHARE`` of them) that must precede a frame's first start bit."""
MARK_RUN_SHARE: Final = 0.9
MAX_GAP_BITS: Final = 10
"""Idle marks allowed between two bytes of a frame (Bellcore GR-30: at most 10)."""

_BYTE_BITS: Final = 10  # 8N1
_READ_DELAY: Final = 0.0
"""Bits from an edge crossing plus half a bit to where the bit is read (measured: the crossing already
trails the edge by about as much as the window's reading point does)."""
_FIRST_REACH: Final = 1.0
"""Bits either side of its back-to-back place the second byte's edge is looked for: senders (and minimodem,
whose bits at 8 kHz come 4.5 % slow) can be that far off before the period is measured. Every later edge is
looked for as far early too: no other start edge can fall in the bit before a byte's place (the byte before
ends in its stop bit), and the period measured from a frame's first edge can be that far off (see
``_Walk.frame``). Late, an edge more than ``_LATE_REACH`` off is one after idle marks."""
_LATE_REACH: Final = 0.5
_FIRST_EDGE_OFF: Final = 0.75
"""Bits a frame's first edge may lie from where the bytes after it put it and still be the start of a byte
back to back with them (a phase jump moves it up to 0.4 bit; one idle mark would be a whole bit)."""
_BACK_TO_BACK: Final = 0.06  # a byte-to-byte step within 6 % of 10 bits has no idle marks in it
_SLICE: Final = 512  # start edges taken at a time for a frame's walk
_PHASES: Final = np.linspace(-0.15, 0.15, 9)  # bits around the expected reading point


@dataclass(frozen=True)
class RawFrame:
    """A frame's bytes as received (type, length, body, checksum) and where it lies, in soft-bit indices:
    ``start`` at its first start bit's leading edge, ``end`` just after its last stop bit."""

    data: bytes
    start: float
    end: float


@dataclass(frozen=True)
class Found:
    """What a search found: complete frames, the index before which the soft bits are no longer needed (a
    frame that had begun but not ended, or the history the next frame's mark run needs), and how long the
    buffer must grow before a frame in progress can end (searching again sooner finds nothing new)."""

    frames: list[RawFrame]
    keep_from: int
    wait_until: int = 0


@dataclass(frozen=True)
class Timing:
    """The soft-bit signal's time scale: soft bits per bit, and how many a mark-to-space crossing trails
    the edge that caused it (half the discriminator's window)."""

    bit: float
    lag: float


def find_frames(soft: Soft, timing: Timing, after: float = -1.0) -> Found:
    """The frames in ``soft`` whose first edge lies after ``after`` (an index into ``soft``)."""
    return _Search(soft, timing).run(after)


class _Search:
    """One pass over a buffer of soft bits."""

    def __init__(self, soft: Soft, timing: Timing) -> None:
        self._soft = soft
        self._spb = spb = timing.bit
        self._delay = (_READ_DELAY + 0.5) * spb  # from a start bit's crossing to where it is read
        self._edge_lag = timing.lag
        self._mark = soft > 0.0
        falling = np.flatnonzero(self._mark[:-1] & ~self._mark[1:])
        before, after = soft[falling], soft[falling + 1]
        crossings = falling + before / (before - after)
        self._crossings = crossings
        centre = np.rint(crossings + self._delay).astype(np.intp)
        starts_byte = np.zeros(len(crossings), dtype=bool)
        inside = centre < len(soft)
        starts_byte[inside] = soft[centre[inside]] < 0.0  # still space half a bit on: a start bit
        self._starts_byte = starts_byte
        self._edges = crossings[starts_byte]
        self._history = int(MARK_RUN_BITS * spb) + 2  # soft bits a frame's mark run needs
        self._keep_from = max(0, len(soft) - self._history - int(_BYTE_BITS * spb))
        self._wait_until = 0

    def run(self, after: float) -> Found:
        frames: list[RawFrame] = []
        starts = self._frame_starts()
        for index, start in enumerate(starts):
            if start <= after:
                continue
            frame = self._frame_from(start)
            if frame is not None and not checksum_holds(frame.data):
                frame = self._other_reading(frame, start, starts[index + 1 :])
            if frame is not None:
                frames.append(frame)
                after = frame.end
        return Found(frames, self._keep_from, self._wait_until)

    def _frame_from(self, start: float) -> RawFrame | None:
        """The frame from ``start``, if any. One that may still complete is held back, and the search looks
        on: it may be noise that never ends."""
        walk = _Walk(self, start)
        outcome = walk.frame()
        if outcome is None:
            self._hold(start, walk.needs)
        return outcome or None

    def _hold(self, start: float, needs: int) -> None:
        """Keep the soft bits from a frame's mark run on, and search again once ``needs`` are buffered."""
        self._keep_from = min(self._keep_from, max(0, int(start) - self._history))
        self._wait_until = needs if self._wait_until == 0 else min(self._wait_until, needs)

    def _other_reading(self, frame: RawFrame, start: float, later: list[float]) -> RawFrame | None:
        """A frame whose checksum fails may have been read from a dip in the mark run (see
        ``_frame_starts``) whose "byte" happened to frame right over the real first byte: the start edges
        before its second byte are walked too, and the first frame from them whose checksum holds is the
        reading; else the frame stands (``decode_frame`` refuses it). None: one of them cannot be judged
        before more soft bits come, and the frame is held back with it."""
        for other in later:
            if other >= start + _BYTE_BITS * self._spb:
                break
            walk = _Walk(self, other)
            outcome = walk.frame()
            if outcome is None:
                self._hold(start, walk.needs)
                return None
            if outcome is not False and checksum_holds(outcome.data):
                return outcome
        return frame

    def _frame_starts(self) -> list[float]:
        """Start edges after a run of marks (``MARK_RUN_SHARE`` of the last ``MARK_RUN_BITS``): where a frame
        may begin. Every one is tried, however close a crossing came before it: a phase jump's dip a bit
        or two before the first start bit (minimodem leads with two marks) is such a crossing, and the
        walk from the dip finds no frame. (Edges 2.5 bits clear of any crossing were the only ones tried
        once, to save walks: the true first edge after a dip was never tried. The saving was some 25 walks a
        minute of noise.)"""
        crossings, spb = self._crossings, self._spb
        run = int(MARK_RUN_BITS * spb)
        edges = crossings[(crossings >= run + 1) & self._starts_byte]
        marks = np.cumsum(self._mark.view(np.int8), dtype=np.int32)
        end = edges.astype(np.intp)
        starts: list[float] = edges[marks[end] - marks[end - run] >= MARK_RUN_SHARE * run].tolist()
        return starts


class _Walk:
    """From a frame's first edge to its last byte, edge by edge."""

    def __init__(self, search: _Search, start: float) -> None:
        self._search = search
        self._soft = search._soft
        self._start = start
        self._period = search._spb  # the bit period, measured from edge to edge
        self._run = _Run(start)
        self._first = int(search._edges.searchsorted(start))
        self._edges: list[float] = []
        self._more = True
        self._load(_SLICE)
        self.needs = len(self._soft) + 1
        """Once ``frame`` returned None: the buffer length at which the frame could have ended."""

    def _load(self, count: int) -> None:
        """Take the next ``count`` start edges of the buffer into the walk's list."""
        edges = self._search._edges
        begin = self._first + len(self._edges)
        self._edges += edges[begin : begin + count].tolist()
        self._more = begin + count < len(edges)

    def frame(self) -> RawFrame | Literal[False] | None:
        """The frame; False if there is none, None if the buffer ends before it could.

        The first two edges come before any byte is read: the type and length bytes are read on the bit
        period they measure (every frame has at least three bytes), not on the nominal one.

        The first edge is the least sure: it ends the mark run, and where the frame comes from another
        generator than the marks (a phase jump at or just before it) the correlators' window holds both
        carriers, whose leakage into each other adds at an arbitrary phase and moves the crossing by up to
        0.4 of a bit either way (V.23 most). So the second edge's place allows for it, and a type byte that
        does not read right on the first edge is read again where the next two edges put it.
        """
        edges = [self._start]
        for reach in (_FIRST_REACH, _LATE_REACH):
            following = self._next_edge(edges[-1], reach)
            if following is None or following is False:
                return following
            edges.append(following)
        kind, length = self._byte_at(edges[0]), self._byte_at(edges[1])
        if kind is None or length is None:
            return None
        if kind not in MESSAGE_TYPES and (before := self._projected_first(edges)) is not None:
            kind = self._byte_at(before)
        if kind not in MESSAGE_TYPES:
            return False
        while len(edges) < length + 3:
            following = self._next_edge(edges[-1])
            if following is None or following is False:
                bytes_left = length + 3 - len(edges)
                self.needs = int(edges[-1] + (bytes_left + 1) * _BYTE_BITS * self._period) + 1
                return following
            edges.append(following)
        return self._read(np.array(edges[: length + 3]))

    def _projected_first(self, edges: list[float]) -> float | None:
        """Where the second and third edges put the first (one byte before the second), when they are back
        to back and the first edge lies within ``_FIRST_EDGE_OFF`` of there; else None (idle marks came
        somewhere in between)."""
        if self._run.count < 2:  # the third edge came after idle marks
            return None
        before = 2.0 * edges[1] - edges[2]
        return before if abs(edges[0] - before) < _FIRST_EDGE_OFF * self._period else None

    def _byte_at(self, edge: float) -> int | None:
        """The data bits of the byte whose start bit crosses at ``edge`` (None past the buffer). Framing is
        judged later, on fitted timing: a first guess of the timing is enough to know the type and length."""
        where: Positions = edge + self._search._delay + np.arange(1, 9, dtype=np.float64) * self._period
        if where[-1] >= len(self._soft) - 1:
            return None
        bits = (_at(self._soft, where) > 0.0).tolist()
        return sum(1 << index for index, bit in enumerate(bits) if bit)

    def _next_edge(self, edge: float, reach: float = _LATE_REACH) -> float | Literal[False] | None:
        """The next byte's start edge: nearest the back-to-back position (from ``_FIRST_REACH`` bits before
        it to ``reach`` bits after), else the first after idle marks. Each back-to-back edge refines the bit
        period (least squares over the run).

        False: there is none (the frame is broken); None: the buffer ends before it could come.
        """
        period, edges = self._period, self._edges
        expected = edge + _BYTE_BITS * period
        latest = expected + (MAX_GAP_BITS + 0.5) * period
        if expected + _BYTE_BITS * period >= len(self._soft):
            return None
        while self._more and edges[-1] < latest:
            self._load(_SLICE)
        index = bisect_left(edges, expected - _FIRST_REACH * period)
        best: float | None = None
        while index < len(edges) and edges[index] < expected + reach * period:
            if best is None or abs(edges[index] - expected) < abs(best - expected):
                best = edges[index]
            index += 1
        if best is not None:
            self._run.add(best)
            self._period = self._run.period() or period
            return best
        if index < len(edges) and edges[index] < latest:
            self._run = _Run(edges[index])
            return edges[index]
        return None if latest + _BYTE_BITS * period >= len(self._soft) else False

    def _read(self, edges: Positions) -> RawFrame | Literal[False]:
        """Every byte read again on fitted timing; False on a framing error (a start or stop bit wrong).

        The fitted line says where the bits are to a fraction of a sample, but where in a bit the soft
        value is surest shifts with the tone plan and a sender's tone drift: of a few phases around the
        expected one, the one where the soft bits are largest (the eye most open) is read.
        """
        search = self._search
        fitted, periods = _fit_timing(edges, self._period)
        bit = np.arange(_BYTE_BITS)
        where = fitted[:, None] + search._delay + bit[None, :] * periods[:, None]
        phases = _at(self._soft, where[None, :, :] + _PHASES[:, None, None] * search._spb)
        values = phases[int(np.abs(phases).sum(axis=(1, 2)).argmax())]
        bits = values > 0.0
        if bits[:, 0].any() or not bits[:, -1].all():
            return False
        data = np.packbits(bits[:, 1:9], axis=1, bitorder="little")[:, 0]
        end = fitted[-1] - search._edge_lag + _BYTE_BITS * periods[-1]
        return RawFrame(data.tobytes(), float(fitted[0]) - search._edge_lag, float(end))


def _at(soft: Soft, where: Positions) -> Positions:
    """``soft`` at fractional indices (linear interpolation; the last sample holds beyond the end)."""
    where = np.clip(where, 0.0, len(soft) - 1.0)
    below = np.minimum(where.astype(np.intp), len(soft) - 2)
    share = where - below
    result: Positions = soft[below] * (1.0 - share) + soft[below + 1] * share
    return result


class _Run:
    """Edges of back-to-back bytes, one byte (10 bits) apart: a running least-squares fit of the period."""

    def __init__(self, edge: float) -> None:
        self._n = 0
        self._sum_at = self._sum_edge = self._sum_at2 = self._sum_at_edge = 0.0
        self.add(edge)

    @property
    def count(self) -> int:
        """Edges in the run."""
        return self._n

    def add(self, edge: float) -> None:
        at = float(self._n)
        self._n += 1
        self._sum_at += at
        self._sum_edge += edge
        self._sum_at2 += at * at
        self._sum_at_edge += at * edge

    def period(self) -> float | None:
        """Samples per bit, or None before two edges."""
        n = self._n
        spread = n * self._sum_at2 - self._sum_at**2
        if n < 2 or spread <= 0:
            return None
        return (n * self._sum_at_edge - self._sum_at * self._sum_edge) / spread / _BYTE_BITS


def _fit_timing(edges: Positions, spb: float) -> tuple[Positions, Positions]:
    """Edges on a least-squares line through each run of back-to-back bytes (three or more), and each
    byte's bit period; a byte after idle marks starts a new run.

    When three or more bytes follow the first back to back, the first is left out of their fit and placed
    on their line, one byte before, if its own edge lies within ``_FIRST_EDGE_OFF`` of there (else idle marks
    came between, and its edge stands): that edge ends the mark run, where a phase jump can move it (see
    ``_Walk.frame``); the later ones are made inside the frame's own carrier.
    """
    steps = (edges[1:] - edges[:-1]) / (_BYTE_BITS * spb)
    breaks = (np.flatnonzero(np.abs(steps - 1.0) > _BACK_TO_BACK) + 1).tolist()
    fitted, periods = edges.copy(), np.full(len(edges), spb)
    for begin, end in zip([0, *breaks], [*breaks, len(edges)], strict=True):
        if end - begin >= 3:
            fitted[begin:end], periods[begin:end] = _fit_line(edges[begin:end])
    rest = next((index for index in breaks if index > 1), len(edges))
    if rest - 1 >= 3:
        line, slopes = _fit_line(edges[1:rest])
        before = line[0] - _BYTE_BITS * slopes[0]
        if abs(edges[0] - before) < _FIRST_EDGE_OFF * slopes[0]:
            fitted[0], periods[0] = before, slopes[0]
            fitted[1:rest], periods[1:rest] = line, slopes
    return fitted, periods


def _fit_line(edges: Positions) -> tuple[Positions, Positions]:
    at = np.arange(len(edges), dtype=np.float64)
    at -= (len(edges) - 1) / 2.0
    mean = edges.sum() / len(edges)
    slope = float(at @ (edges - mean)) / float(at @ at)
    return mean + slope * at, np.full(len(edges), slope / _BYTE_BITS)
