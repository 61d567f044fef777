"""Sample formats a voice modem sends, to and from 16-bit linear PCM. Pure and vectorised (numpy).

Why here and not ``audioop``: ``audioop`` is deprecated and gone in Python 3.13, and a modem streams 8000
bytes a second per line: each conversion is one table lookup or a few array operations over a whole chunk.
The G.711 codecs follow the ITU reference (the Sun ``g711.c`` that ``audioop`` also used), so a recording
decoded here is bit for bit what other tools make of the same bytes; the tests hold every value against
``audioop``.

Formats (V.253 ``AT+VSM`` compression methods): ``u8`` unsigned 8-bit PCM (silence 0x80: the Conexant
CX93001's ``1,8000``), ``s8`` signed 8-bit PCM, ``ulaw`` G.711 u-law, ``alaw`` G.711 A-law.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal, get_args

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]
Encoding = Literal["u8", "s8", "ulaw", "alaw"]
ENCODINGS: Final[tuple[Encoding, ...]] = get_args(Encoding)

_ULAW_BIAS: Final = 0x84
_ULAW_CLIP: Final = 8159  # the 14-bit magnitude limit of the reference encoder
_ULAW_SEGMENT_ENDS: Final = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)
_ALAW_SEGMENT_ENDS: Final = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF], dtype=np.int32)


def _ulaw_table() -> Samples:
    """The 256 u-law code words as 16-bit values (the reference decoder, for all codes at once)."""
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    magnitude = (((code & 0x0F) << 3) + _ULAW_BIAS) << ((code & 0x70) >> 4)
    return np.where(code & 0x80, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS).astype(np.int16)


def _alaw_table() -> Samples:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    segment = (code & 0x70) >> 4
    magnitude = (code & 0x0F) << 4
    magnitude = np.where(segment == 0, magnitude + 8, magnitude + 0x108)
    magnitude = np.where(segment > 1, magnitude << np.maximum(segment - 1, 0), magnitude)
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


_ULAW_TO_LINEAR: Final = _ulaw_table()
_ALAW_TO_LINEAR: Final = _alaw_table()
_ULAW_TO_LINEAR.flags.writeable = False
_ALAW_TO_LINEAR.flags.writeable = False


def _as_bytes(data: bytes | bytearray | memoryview) -> npt.NDArray[np.uint8]:
    return np.frombuffer(data, dtype=np.uint8)


def u8_to_int16(data: bytes | bytearray | memoryview) -> Samples:
    """Unsigned 8-bit PCM (0x80 = silence) -> 16-bit: the byte minus 128, in the high byte."""
    return ((_as_bytes(data).astype(np.int16) - 128) << 8).astype(np.int16)


def s8_to_int16(data: bytes | bytearray | memoryview) -> Samples:
    """Signed 8-bit PCM -> 16-bit."""
    return np.frombuffer(data, dtype=np.int8).astype(np.int16) << 8


def ulaw_to_int16(data: bytes | bytearray | memoryview) -> Samples:
    """G.711 u-law -> 16-bit."""
    return _ULAW_TO_LINEAR[_as_bytes(data)]


def alaw_to_int16(data: bytes | bytearray | memoryview) -> Samples:
    """G.711 A-law -> 16-bit."""
    return _ALAW_TO_LINEAR[_as_bytes(data)]


def int16_to_u8(samples: Samples) -> bytes:
    """16-bit -> unsigned 8-bit (the high byte, truncated, plus 128)."""
    return ((samples.astype(np.int16) >> 8) + 128).astype(np.uint8).tobytes()


def int16_to_s8(samples: Samples) -> bytes:
    return (samples.astype(np.int16) >> 8).astype(np.int8).tobytes()


def int16_to_ulaw(samples: Samples) -> bytes:
    """16-bit -> G.711 u-law (the reference encoder on the 14-bit value, as ``audioop.lin2ulaw``)."""
    value = samples.astype(np.int32) >> 2
    mask = np.where(value < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(value), _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    segment = np.searchsorted(_ULAW_SEGMENT_ENDS, magnitude)  # first end >= magnitude
    code = (np.minimum(segment, 7) << 4) | ((magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8).tobytes()


def int16_to_alaw(samples: Samples) -> bytes:
    """16-bit -> G.711 A-law (the reference encoder on the 13-bit value, as ``audioop.lin2alaw``)."""
    value = samples.astype(np.int32) >> 3
    negative = value < 0
    mask = np.where(negative, 0x55, 0xD5)
    magnitude = np.where(negative, -value - 1, value)
    segment = np.searchsorted(_ALAW_SEGMENT_ENDS, magnitude)
    shift = np.where(segment < 2, 1, np.minimum(segment, 7))
    code = (np.minimum(segment, 7) << 4) | ((magnitude >> shift) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8).tobytes()


_DECODERS: Final[dict[Encoding, Callable[[bytes | bytearray | memoryview], Samples]]] = {
    "u8": u8_to_int16,
    "s8": s8_to_int16,
    "ulaw": ulaw_to_int16,
    "alaw": alaw_to_int16,
}
_ENCODERS: Final[dict[Encoding, Callable[[Samples], bytes]]] = {
    "u8": int16_to_u8,
    "s8": int16_to_s8,
    "ulaw": int16_to_ulaw,
    "alaw": int16_to_alaw,
}


def decode(data: bytes | bytearray | memoryview, encoding: Encoding) -> Samples:
    """Modem audio bytes (one byte a sample in every format here) -> 16-bit samples."""
    try:
        return _DECODERS[encoding](data)
    except KeyError:
        raise ValueError(f"unknown sample encoding {encoding!r}; expected one of {ENCODINGS}") from None


def encode(samples: Samples, encoding: Encoding) -> bytes:
    """16-bit samples -> modem audio bytes (playback, and the tests' and fake modem's audio)."""
    try:
        return _ENCODERS[encoding](samples)
    except KeyError:
        raise ValueError(f"unknown sample encoding {encoding!r}; expected one of {ENCODINGS}") from None
