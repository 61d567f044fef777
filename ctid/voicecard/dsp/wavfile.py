"""WAV files for ``ctid callerid decode``: the one module of the voice card that reads files.

An installer records a line with whatever is at hand (a phone recorder, a laptop's line-in, ``arecord``), so
any PCM WAV is taken: 8-, 16-, 24- or 32-bit, mono or several channels (mixed to one: a tap may put the line
on either side), at 8 to 48 kHz (the demodulators work at any of those rates, no resampling). The file is
read in pieces, so an hour's recording costs seconds, not its size in memory.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from ctid.voicecard.dsp.decoder import AudioCallerIdDecoder, Heard
from ctid.voicecard.dsp.fsk import MAX_RATE, MIN_RATE

PIECE_S: Final = 10.0


class WavError(ValueError):
    """A file that cannot be decoded; the message names the file and what is wrong with it."""


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    width: int  # bytes a sample
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def to_mono16(raw: bytes, channels: int, width: int) -> npt.NDArray[np.int16]:
    """PCM frames (little-endian; 8-bit unsigned, wider signed) -> int16 mono, channels averaged."""
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.int32) - 128) << 8
    elif width == 3:
        octets = np.frombuffer(raw[: len(raw) // 3 * 3], dtype=np.uint8).reshape(-1, 3)
        samples = (octets[:, 2].astype(np.int8).astype(np.int32) << 8) | octets[:, 1]
    elif width in (2, 4):
        wide = np.frombuffer(raw[: len(raw) // width * width], dtype=f"<i{width}").astype(np.int64)
        samples = (wide >> (8 * (width - 2))).astype(np.int32)
    else:
        raise WavError(f"{width * 8}-bit samples are not supported (8, 16, 24 or 32)")
    frames = samples[: len(samples) // channels * channels].reshape(-1, channels)
    mono: npt.NDArray[np.int16] = (frames.sum(axis=1) // channels).astype(np.int16)
    return mono


def decode_wav(path: Path, plan: str = "auto") -> tuple[WavInfo, Iterator[Heard]]:
    """The file's format (checked now: a bad file fails here) and what the decoder hears in it, lazily."""
    reader = _open(path)
    try:
        info = WavInfo(
            reader.getframerate(), reader.getnchannels(), reader.getsampwidth(), reader.getnframes()
        )
        if not MIN_RATE <= info.rate <= MAX_RATE:
            raise WavError(f"{path}: {info.rate} Hz audio; caller ID needs {MIN_RATE} to {MAX_RATE} Hz")
        if info.width not in (1, 2, 3, 4):
            raise WavError(f"{path}: {info.width * 8}-bit samples are not supported (8, 16, 24 or 32)")
        decoder = AudioCallerIdDecoder(info.rate, plan)
    except BaseException:
        reader.close()
        raise
    return info, _heard(reader, info, decoder)


def _open(path: Path) -> wave.Wave_read:
    try:
        return wave.open(str(path), "rb")
    except FileNotFoundError:
        raise WavError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise WavError(f"{path}: a directory, not a WAV file") from None
    except (wave.Error, EOFError) as error:
        raise WavError(f"{path}: not a PCM WAV file ({error or 'it ends too soon'})") from None
    except OSError as error:
        raise WavError(f"{path}: cannot read it ({error.strerror or error})") from None


def _heard(reader: wave.Wave_read, info: WavInfo, decoder: AudioCallerIdDecoder) -> Iterator[Heard]:
    with reader:
        piece = max(1, int(PIECE_S * info.rate))
        while raw := reader.readframes(piece):
            yield from decoder.feed(to_mono16(raw, info.channels, info.width))
        yield from decoder.flush()
