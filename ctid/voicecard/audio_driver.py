"""The audio line (``driver = "audio"``): a line tap on a sound card as a whole phone line.

Caller ID, dialled numbers, answers and hang-ups all come from the tap's audio (``ctid.voicecard.dsp``):
every block goes through the caller-ID decoder (FSK in the configured tone plans, DTMF) and the tap's call
logic (``dsp.tap``: VOX, dial tone, digits), whose inputs reach the line state machine dated when they were
heard, not when they were judged: a call without caller ID is only known to be inbound a second after the
voice began, and its answer is dated at that voice. The same source is the line's ``audio``, so the recorder
records from the tap the driver listens to.

The line is down while the sound card is (missing, unplugged, failing reads); a tap can neither dial nor
hang up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from ctid.core.clock import utcnow
from ctid.core.config import AudioLineOptions
from ctid.core.errors import N_
from ctid.core.events import EventBus
from ctid.voicecard.audio_in import AudioInput
from ctid.voicecard.audio_source import AudioSource, Samples
from ctid.voicecard.driver import LineDriver
from ctid.voicecard.dsp.decoder import AudioCallerIdDecoder
from ctid.voicecard.dsp.tap import LineTap, TapAction, TapSettings
from ctid.voicecard.dsp.tones import dial_tone_share
from ctid.voicecard.dsp.vox import voice_level_dbfs
from ctid.voicecard.events import LineEvent
from ctid.voicecard.line import LineError

log = logging.getLogger(__name__)


class AudioLineDriver(LineDriver):
    driver = "audio"

    def __init__(
        self,
        name: str,
        label: str,
        bus: EventBus,
        options: AudioLineOptions,
        *,
        source: AudioSource | None = None,
        settings: TapSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``source``: the tap's audio (default: an ``AudioInput`` on ``options.device``)."""
        super().__init__(name, label, bus, options.ring_timeout_s, clock, monotonic)
        self.options = options
        self._own_input = source is None
        self.audio: AudioSource = source or AudioInput(
            name, options.device, options.rate, on_status=self._audio_status
        )
        self._rate = self.audio.rate
        self._decoder = AudioCallerIdDecoder(self._rate, options.tone_plan)
        self._tap = LineTap(
            settings
            or TapSettings(threshold_dbfs=options.vox_threshold_dbfs, hangover_s=options.vox_hangover_s)
        )
        self._heard_samples = 0
        self._unlisten: Callable[[], None] | None = None

    async def start(self) -> None:
        self._set_info(identity=f"line tap {self.options.device} ({self._rate} Hz)")
        if self._own_input:
            self._apply(self.machine.line_lost, f"opening {self.options.device}")
        self._unlisten = self.audio.listen(self._hear)
        if isinstance(self.audio, AudioInput):
            await self.audio.start()

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if isinstance(self.audio, AudioInput) and self._own_input:
            await self.audio.stop()
        self._cancel_timer()

    async def dial(self, number: str) -> str:
        raise LineError(N_("Line %(line)s is a line tap: it cannot dial."), line=self.name)

    async def hangup(self) -> None:
        raise LineError(N_("Line %(line)s is a line tap: it cannot hang up."), line=self.name)

    # --- audio, on the loop ---------------------------------------------------------------------------------

    def _hear(self, samples: Samples, t: float) -> None:
        try:
            self._block(samples, t)
        except Exception:  # one bad block must not silence the line for good
            log.exception("line %s: audio block failed", self.name)

    def _block(self, samples: Samples, t: float) -> None:
        """The decoder's times count samples from its first; ``origin`` maps them to this block's clock."""
        origin = t - self._heard_samples / self._rate
        self._heard_samples += len(samples)
        for item in self._decoder.feed(samples):
            self._run(self._tap.heard(item, origin + item.time_s, self.machine.state))
        self._catch_up(t)
        level, share = voice_level_dbfs(samples), dial_tone_share(samples, self._rate)
        self._run(self._tap.block(level, share, t, len(samples) / self._rate, self.machine.state))

    def _run(self, actions: list[TapAction]) -> None:
        for action in actions:
            try:
                self._act(action)
            except (LineError, ValueError) as exc:
                log.warning("line %s: %s ignored: %s", self.name, action.kind, exc)

    def _act(self, action: TapAction) -> None:
        machine, at = self.machine, action.at
        if action.kind == "caller_id":
            assert action.update is not None
            self._apply_at(at, machine.caller_id, action.update)
        elif action.kind == "ring":
            self._apply_at(at, machine.ring, None)
        elif action.kind == "answer":
            self._apply_at(at, machine.offhook)
        elif action.kind == "hangup":
            self._apply_at(at, machine.onhook)
        elif action.kind == "dial":
            self._apply_at(at, machine.dial, action.number)
        else:
            self._apply_at(at, machine.dial_result, "OK")

    def _apply_at(self, at: float, step: Callable[..., list[LineEvent]], *args: object) -> list[LineEvent]:
        """Run an input through the machine dated ``at`` (monotonic; a moment ago), not now."""
        at = min(at, self._monotonic())
        self._catch_up(at)
        return self._dated(at, step, *args)

    def _catch_up(self, at: float) -> None:
        """Run the machine's timer if it fell due before ``at``: what was heard after a ring timeout must
        reach the machine after the call it ended, even when the loop's timer has not fired yet."""
        deadline = self.machine.next_deadline()
        if deadline is not None and deadline <= at:
            self._dated(deadline, self.machine.tick)

    def _dated(self, at: float, step: Callable[..., list[LineEvent]], *args: object) -> list[LineEvent]:
        now = self._monotonic()
        wall = self._clock() - timedelta(seconds=now - at)
        return self._apply(lambda **_: step(*args, now=at, wall=wall))

    def _audio_status(self, status: Literal["up", "down"], detail: str) -> None:
        if status == "up":
            self._set_info(last_error="")
            self._apply(self.machine.line_restored, detail)
        else:
            self._set_info(last_error=detail)
            self._apply(self.machine.line_lost, detail)
