"""Protocol layer: modem bytes -> text lines, DLE events and voice audio. Pure: no I/O, no clock.

Why a framer of its own: a cheap voice modem mixes result codes, caller-ID text, DLE-shielded events and audio
on one serial stream, cut into chunks anywhere (even one byte at a time) and sprinkled with noise (NUL, 0xFF,
ANSI escape sequences from terminal-minded firmware). The framer is a byte-at-a-time state machine, so any
chunking of the same bytes gives the same items, and garbage is dropped before it can reach a parser.

Modes follow the modem: ``command`` (text lines only; a stray DLE is noise), ``voice`` (voice command mode:
lines plus ``DLE <code>`` events) and ``audio`` (after ``AT+VRX``/``AT+VTR`` answered ``CONNECT``: audio bytes
with DLE unescaping until ``DLE ETX``, which switches back to ``voice`` by itself).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Final, Literal, get_args

from ctid.core.text import clean_text as clean_text  # re-exported: the framer's users clean text too

Mode = Literal["command", "voice", "audio"]

DLE: Final = 0x10
ETX: Final = 0x03
SUB: Final = 0x1A
ESC: Final = 0x1B
CR: Final = 0x0D
LF: Final = 0x0A

DTMF_CODES: Final = frozenset("0123456789*#ABCD")
"""DTMF digits a modem reports as ``DLE <digit>`` in voice mode."""

SIGNAL_CODES: Final = frozenset("bdHPhplLqsRrvVJouac")
"""Other V.253 DLE events: busy, dial tone, handset hook, loop break, polarity, silence, ring, SIT..."""

END_PLAYBACK: Final = bytes([DLE, ETX])
"""Sent after the last audio byte of ``AT+VTX``: the modem finishes playing and returns ``OK``."""

STOP_RECORDING: Final = bytes([DLE]) + b"!"
"""Sent during ``AT+VRX``: the modem answers with ``DLE ETX`` and ``OK``."""

_MAX_CSI = 16  # an ANSI control sequence longer than this is not one: stop eating the line
_TEXT_RUN: Final = re.compile(rb"[\x20-\x7e\x80-\xfe]+")  # bytes that ``_step`` would add to the line


@dataclass(frozen=True)
class ModemLine:
    """One line of text from the modem: stripped, non-empty, printable only."""

    text: str


@dataclass(frozen=True)
class DleEvent:
    """A ``DLE <code>`` event in voice mode (a DTMF digit or a V.253 signal such as ``b`` busy)."""

    code: str

    @property
    def is_dtmf(self) -> bool:
        return self.code in DTMF_CODES


@dataclass(frozen=True)
class AudioData:
    """Voice audio received in ``audio`` mode, already DLE-unescaped."""

    data: bytes


@dataclass(frozen=True)
class AudioEnd:
    """``DLE ETX``: the modem ended the audio stream; the framer is back in ``voice`` mode."""


Item = ModemLine | DleEvent | AudioData | AudioEnd


def decode_text(data: bytes, encoding: str = "gbk") -> str:
    """Decode modem bytes (GBK in China, else ASCII/Latin-1) and ``clean_text`` them.

    Why strict then ASCII: a partial or corrupted multi-byte sequence decoded leniently gives mojibake that
    looks like a real name; when the bytes are not valid in ``encoding`` only their ASCII part is trusted.
    """
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode("ascii", errors="ignore")
    return clean_text(text)


def escape_dle(data: bytes) -> bytes:
    """Escape audio for ``AT+VTX``: a 0x10 byte goes as ``DLE DLE`` so the modem does not take it as DLE."""
    return data.replace(bytes([DLE]), bytes([DLE, DLE]))


class _Output:
    """Collects items of one ``feed``; consecutive audio bytes become one ``AudioData``."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self._audio = bytearray()

    def add(self, item: Item) -> None:
        self._flush_audio()
        self.items.append(item)

    def audio(self, data: bytes) -> None:
        self._audio += data

    def finish(self) -> list[Item]:
        self._flush_audio()
        return self.items

    def _flush_audio(self) -> None:
        if self._audio:
            self.items.append(AudioData(bytes(self._audio)))
            self._audio.clear()


class ModemFramer:
    """Turns the modem's byte stream into ``Item``\\ s; one instance per serial port.

    ``now`` (monotonic seconds, passed in to stay pure) only serves DTMF de-duplication: a modem repeats
    ``DLE <digit>`` every ~70 ms while a key is held, and one key press must give one digit.
    """

    def __init__(self, *, encoding: str = "gbk", max_line: int = 256, dtmf_repeat_s: float = 0.12) -> None:
        codecs.lookup(encoding)  # an unknown encoding fails here, at configuration time
        self._encoding = encoding
        self._max_line = max_line
        self._dtmf_repeat_s = dtmf_repeat_s
        self._mode: Mode = "command"
        self._line = bytearray()
        self._line_overflow = False
        self._escape: Literal["", "esc", "csi"] = ""
        self._csi_length = 0
        self._after_dle = False
        self._audio_on_connect = False
        self._skip_lf = False  # CONNECT<CR> switched to audio: its <LF> is not audio
        self._last_dtmf: tuple[str, float] | None = None

    @property
    def mode(self) -> Mode:
        return self._mode

    def set_mode(self, mode: Mode) -> None:
        """Follow the modem into another mode (after ``AT+FCLASS=8`` OK, ``AT+FCLASS=0`` OK, ...)."""
        if mode not in get_args(Mode):
            raise ValueError(f"unknown framer mode {mode!r}; expected one of {get_args(Mode)}")
        self._mode = mode
        self._after_dle = False
        self._audio_on_connect = False
        self._skip_lf = False
        if mode == "audio":
            self._reset_line()

    def expect_audio(self) -> None:
        """Switch to ``audio`` mode right after the next ``CONNECT`` line.

        Why not ``set_mode`` after the fact: audio bytes may follow ``CONNECT`` in the same chunk, and by
        the time the caller sees the line they would have been taken for text.
        """
        self._audio_on_connect = True

    def feed(self, data: bytes, now: float) -> list[Item]:
        """Consume ``data`` and return the complete items it finished, in order."""
        out = _Output()
        index = 0
        while index < len(data):
            if self._mode == "audio" and not self._after_dle:
                index = self._audio_run(data, index, out)
            elif not self._after_dle and not self._escape and (run := _TEXT_RUN.match(data, index)):
                self._add_text(run.group())
                index = run.end()
            else:
                self._step(data[index], now, out)
                index += 1
        return out.finish()

    def _add_text(self, text: bytes) -> None:
        """A run of line bytes at once, as ``_add_to_line`` byte by byte (caller ID is latency-critical)."""
        room = self._max_line - len(self._line)
        self._line += text[: max(room, 0)]
        self._line_overflow = self._line_overflow or len(text) > room

    def _audio_run(self, data: bytes, index: int, out: _Output) -> int:
        """Copy audio up to the next DLE in one slice (8000 bytes a second: no per-byte Python here)."""
        if self._skip_lf:
            self._skip_lf = False
            if data[index] == LF:
                return index + 1
        end = data.find(DLE, index)
        if end < 0:
            out.audio(data[index:])
            return len(data)
        out.audio(data[index:end])
        self._after_dle = True
        return end + 1

    def _step(self, byte: int, now: float, out: _Output) -> None:
        if self._after_dle:
            self._after_dle = False
            self._dle_code(byte, now, out)
        elif self._escape and self._in_escape(byte):
            return
        elif byte == DLE and self._mode == "voice":
            self._after_dle = True
        elif byte == ESC:
            self._escape, self._csi_length = "esc", 0
        elif byte in (CR, LF):
            self._end_line(out, byte)
        elif 0x20 <= byte < 0x7F or 0x80 <= byte < 0xFF:
            self._add_to_line(byte)
        # anything else (NUL, other C0 controls, DEL, 0xFF, a DLE in command mode) is noise

    def _in_escape(self, byte: int) -> bool:
        """Consume ANSI escape sequences; False hands a byte that ends a broken sequence back to ``_step``.

        ``ESC [`` params final is a control sequence (CSI); ``ESC`` intermediates final (``ESC 7``,
        ``ESC ( B``) is a short one. Both are bounded so that a stray ESC cannot swallow a line.
        """
        if self._escape == "esc" and byte == ord("["):
            self._escape, self._csi_length = "csi", 0
            return True
        in_csi = self._escape == "csi"
        middle = (0x20, 0x3F) if in_csi else (0x20, 0x2F)
        if middle[0] <= byte <= middle[1] and self._csi_length < _MAX_CSI:
            self._csi_length += 1
            return True
        self._escape = ""
        return (0x40 if in_csi else 0x30) <= byte <= 0x7E  # the final byte

    def _add_to_line(self, byte: int) -> None:
        if len(self._line) >= self._max_line:
            self._line_overflow = True  # no modem line is this long: it is noise, drop all of it
        else:
            self._line.append(byte)

    def _end_line(self, out: _Output, terminator: int) -> None:
        overflow, raw = self._line_overflow, bytes(self._line)
        self._reset_line()
        text = "" if overflow else decode_text(raw, self._encoding)
        if not text:
            return
        out.add(ModemLine(text))
        if self._audio_on_connect and self._mode == "voice" and text == "CONNECT":
            self.set_mode("audio")
            self._skip_lf = terminator == CR

    def _reset_line(self) -> None:
        self._line.clear()
        self._line_overflow = False
        self._escape = ""

    def _dle_code(self, byte: int, now: float, out: _Output) -> None:
        if self._mode == "audio" and self._audio_escape(byte, out):
            return
        code = chr(byte)
        if code in DTMF_CODES:
            if self._is_new_dtmf(code, now):
                out.add(DleEvent(code))
        elif code in SIGNAL_CODES:
            out.add(DleEvent(code))
        # DLE followed by anything else in voice mode (DLE DLE, DLE ETX, shielding codes) carries nothing

    def _audio_escape(self, byte: int, out: _Output) -> bool:
        """``DLE DLE`` -> 0x10, ``DLE SUB`` -> 0x10 0x10, ``DLE ETX`` -> end of audio; True if handled."""
        if byte == DLE:
            out.audio(bytes([DLE]))
        elif byte == SUB:
            out.audio(bytes([DLE, DLE]))
        elif byte == ETX:
            out.add(AudioEnd())
            self._mode = "voice"
        else:
            return False
        return True

    def _is_new_dtmf(self, code: str, now: float) -> bool:
        """A digit equal to the last one within ``dtmf_repeat_s`` is the same key still held down."""
        last, self._last_dtmf = self._last_dtmf, (code, now)
        if last is None or last[0] != code:
            return True
        return not 0 <= now - last[1] <= self._dtmf_repeat_s
