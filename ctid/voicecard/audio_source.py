"""What a line's audio looks like to its users (the recorder, the software voice card): blocks of int16
samples delivered on the event loop, and a capture that may need starting (a modem in voice mode) or may
run all the time (a sound card tapping the line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:  # numpy is loaded by the first audio, not by a daemon that has none (idle memory)
    import numpy as np
    import numpy.typing as npt

Samples: TypeAlias = "npt.NDArray[np.int16]"
Listener: TypeAlias = Callable[[Samples, float], None]
"""Called on the event loop with a block of mono samples and the monotonic time of its first sample."""


class AudioSource(Protocol):
    @property
    def rate(self) -> int: ...

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Deliver blocks to ``listener`` until the returned call is made."""
        ...

    async def start_capture(self) -> None:
        """Make sure audio flows (a modem enters voice mode and records); no-op for a sound card."""
        ...

    async def stop_capture(self) -> None: ...
