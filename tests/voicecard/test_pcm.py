"""Modem sample formats against the reference: Python's ``audioop`` (deprecated, fine as a test oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ctid.voicecard import pcm

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

EVERY_BYTE = bytes(range(256))
EVERY_SAMPLE = np.arange(-32768, 32768, dtype=np.int16)


def reference_decode(data: bytes, encoding: pcm.Encoding) -> bytes:
    return {
        "u8": lambda: audioop.lin2lin(audioop.bias(data, 1, 128), 1, 2),
        "s8": lambda: audioop.lin2lin(data, 1, 2),
        "ulaw": lambda: audioop.ulaw2lin(data, 2),
        "alaw": lambda: audioop.alaw2lin(data, 2),
    }[encoding]()


def reference_encode(samples: np.ndarray, encoding: pcm.Encoding) -> bytes:
    raw = samples.astype("<i2").tobytes()
    return {
        "u8": lambda: audioop.bias(audioop.lin2lin(raw, 2, 1), 1, 128),
        "s8": lambda: audioop.lin2lin(raw, 2, 1),
        "ulaw": lambda: audioop.lin2ulaw(raw, 2),
        "alaw": lambda: audioop.lin2alaw(raw, 2),
    }[encoding]()


@pytest.mark.parametrize("encoding", pcm.ENCODINGS)
def test_every_code_decodes_as_the_reference(encoding: pcm.Encoding) -> None:
    decoded = pcm.decode(EVERY_BYTE, encoding)
    assert decoded.dtype == np.int16 and decoded.tobytes() == reference_decode(EVERY_BYTE, encoding)


@pytest.mark.parametrize("encoding", pcm.ENCODINGS)
def test_every_sample_encodes_as_the_reference(encoding: pcm.Encoding) -> None:
    assert pcm.encode(EVERY_SAMPLE, encoding) == reference_encode(EVERY_SAMPLE, encoding)


@pytest.mark.parametrize("encoding", pcm.ENCODINGS)
def test_a_decoded_code_encodes_back_to_itself(encoding: pcm.Encoding) -> None:
    """Each code word's value is inside its own quantisation step (u-law's two zeros both mean 0)."""
    again = pcm.encode(pcm.decode(EVERY_BYTE, encoding), encoding)
    same = np.frombuffer(again, np.uint8) == np.frombuffer(EVERY_BYTE, np.uint8)
    assert same.all() or (encoding == "ulaw" and set(np.flatnonzero(~same)) == {0x7F})


def test_silence_is_where_the_modems_put_it() -> None:
    assert pcm.decode(b"\x80\x80", "u8").tolist() == [0, 0]
    assert pcm.decode(b"\xff\x7f", "ulaw").tolist() == [0, 0]
    assert pcm.decode(b"\xd5", "alaw").tolist() == [8]  # A-law has no zero: the smallest step


@settings(max_examples=200)
@given(st.binary(max_size=400), st.sampled_from(pcm.ENCODINGS))
def test_any_modem_bytes_decode_as_the_reference(data: bytes, encoding: pcm.Encoding) -> None:
    decoded = pcm.decode(data, encoding)
    assert len(decoded) == len(data) and decoded.tobytes() == reference_decode(data, encoding)


@settings(max_examples=200)
@given(arrays(np.int16, st.integers(0, 400)), st.sampled_from(pcm.ENCODINGS))
def test_round_trips_match_the_reference(samples: np.ndarray, encoding: pcm.Encoding) -> None:
    encoded = pcm.encode(samples, encoding)
    assert encoded == reference_encode(samples, encoding)
    assert pcm.decode(encoded, encoding).tobytes() == reference_decode(encoded, encoding)


def test_an_unknown_encoding_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown sample encoding 'gsm'; expected one of \('u8', 's8'"):
        pcm.decode(b"\x00", "gsm")  # type: ignore[arg-type]
