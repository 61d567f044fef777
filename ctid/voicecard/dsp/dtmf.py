"""DTMF digits from audio: Goertzel per block, row and column, level, twist and peak checks, debounce.

Blocks are 12.75 ms (102 samples at 8 kHz, as spandsp and Asterisk use): short enough that a 40 ms digit
(the shortest the standards ask a receiver to take) fills two whole blocks, long enough that 697 and 770 Hz,
the closest pair, fall about a bin apart. The eight tones of every block of a feed are one matrix product:
a second of audio costs ~0.15 ms in one piece, ~1 ms fed 0.1 s at a time (numpy's per-call costs).

A block holds a digit when both its row and column tones are the loudest of their groups by ``PEAK_DB``,
hold most of the block's energy between them (speech and noise spread theirs), lie within the twist limits
and are loud enough. A digit starts after ``DEBOUNCE_BLOCKS`` such blocks in a row and ends after as many
without it, so a dropout of one block inside a tone does not make two digits, and a digit pressed twice needs
a pause between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ctid.voicecard.dsp.modulator import DTMF_COLUMNS, DTMF_KEYS, DTMF_ROWS

BLOCK_S: Final = 102 / 8000
MIN_LEVEL_DBFS: Final = -45.0
"""A block quieter than this holds no digit (line noise, a far-away crosstalk)."""
TONE_SHARE: Final = 0.6
"""The row and column tones together hold at least this share of a block's energy."""
PEAK_DB: Final = 6.0
"""Each tone is this much louder than any other tone of its group."""
MAX_TWIST_DB: Final = 8.0
"""How much louder the row tone may be than the column tone (lines lose the high group more)."""
MAX_REVERSE_TWIST_DB: Final = 6.0
"""How much louder the column tone may be than the row tone."""
DEBOUNCE_BLOCKS: Final = 2


@dataclass(frozen=True)
class DtmfDigit:
    """A digit and when it began, in seconds from the start of the stream."""

    digit: str
    time_s: float


class DtmfDetector:
    """Streaming: feed int16 blocks of any length, get the digits that began in them."""

    def __init__(self, rate: int = 8000) -> None:
        self.rate = rate
        self._block = round(BLOCK_S * rate)
        at = 2.0 * np.pi * np.arange(self._block)[:, None] / rate
        tones = np.array(DTMF_ROWS + DTMF_COLUMNS)[None, :]
        self._basis = np.concatenate([np.cos(at * tones), np.sin(at * tones)], axis=1).astype(np.float32)
        self._min_energy = self._block * (32768.0 * 10.0 ** (MIN_LEVEL_DBFS / 20.0)) ** 2
        self.reset()

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)
        self._blocks = 0  # blocks judged so far
        self._digit: str | None = None  # the digit sounding now
        self._candidate: str | None = None  # what the last blocks held, and for how many
        self._count = 0
        self._since = 0  # the block the candidate began in

    def feed(self, samples: npt.NDArray[np.int16]) -> list[DtmfDigit]:
        signal = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        whole = len(signal) // self._block
        self._pending = signal[whole * self._block :].copy()
        if whole == 0:
            return []
        keys = self._judge(signal[: whole * self._block].reshape(whole, self._block))
        digits = []
        for key in keys:
            if digit := self._step(key):
                digits.append(DtmfDigit(digit, self._since * self._block / self.rate))
            self._blocks += 1
        return digits

    def _judge(self, blocks: npt.NDArray[np.int16]) -> list[str | None]:
        """Each block's digit, or None."""
        samples = blocks.astype(np.float32)
        samples -= samples.mean(axis=1, keepdims=True)
        energy = np.einsum("ij,ij->i", samples, samples).astype(np.float64)
        parts = (samples @ self._basis).astype(np.float64)
        power = parts[:, :8] ** 2 + parts[:, 8:] ** 2  # |X(f)|^2; a pure tone of energy E gives E * block / 2
        share = power * (2.0 / self._block) / np.maximum(energy, 1.0)[:, None]
        rows, columns = share[:, :4], share[:, 4:]
        row, column = rows.argmax(axis=1), columns.argmax(axis=1)
        index = np.arange(len(blocks))
        row_share, column_share = rows[index, row], columns[index, column]
        ok = energy >= self._min_energy
        ok &= row_share + column_share >= TONE_SHARE
        ok &= _peak_ok(rows, row_share) & _peak_ok(columns, column_share)
        twist = column_share / np.maximum(row_share, 1e-12)
        ok &= (twist >= 10.0 ** (-MAX_TWIST_DB / 10.0)) & (twist <= 10.0 ** (MAX_REVERSE_TWIST_DB / 10.0))
        return [DTMF_KEYS[r][c] if good else None for r, c, good in zip(row, column, ok, strict=True)]

    def _step(self, key: str | None) -> str | None:
        """Debounce one block's finding; the digit when one begins."""
        if key == self._candidate:
            self._count += 1
        else:
            self._candidate, self._count, self._since = key, 1, self._blocks
        if self._count != DEBOUNCE_BLOCKS or key == self._digit:
            return None
        self._digit = key
        return key


def _peak_ok(group: npt.NDArray[np.float64], peak: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """The loudest tone of a group beats the runner-up by ``PEAK_DB``."""
    runner_up = np.sort(group, axis=1)[:, -2]
    result: npt.NDArray[np.bool_] = peak >= runner_up * 10.0 ** (PEAK_DB / 10.0)
    return result
