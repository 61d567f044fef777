"""All configured lines as one component: built from config, started and stopped together."""

from __future__ import annotations

import asyncio
import logging

from ctid.core.config import AudioLineOptions, LineConfig, ModemLineOptions, SimLineOptions
from ctid.core.errors import N_, NotFound, ValidationError
from ctid.core.events import EventBus
from ctid.voicecard.driver import LineDriver, LineInfo
from ctid.voicecard.sim import SimCall, SimLine

log = logging.getLogger(__name__)


def build_driver(config: LineConfig, bus: EventBus) -> LineDriver:
    options = config.options
    if isinstance(options, SimLineOptions):
        return SimLine(config.name, config.display_name, bus, options)
    if isinstance(options, ModemLineOptions):
        from ctid.voicecard.modem_driver import ModemDriver, ModemTiming

        return ModemDriver(
            config.name, config.display_name, bus, options, timing=ModemTiming(watchdog_s=options.watchdog_s)
        )
    if isinstance(options, AudioLineOptions):
        from ctid.voicecard.audio_driver import AudioLineDriver

        return AudioLineDriver(config.name, config.display_name, bus, options)
    raise ValueError(f"line {config.name}: no driver for {config.driver!r} lines in this build")


class Lines:
    name = "lines"

    def __init__(self, configs: tuple[LineConfig, ...], bus: EventBus) -> None:
        self._drivers = {c.name: build_driver(c, bus) for c in configs}

    async def start(self) -> None:
        # A line that cannot start (device missing) retries on its own; one line never blocks the others.
        await asyncio.gather(*(driver.start() for driver in self._drivers.values()))

    async def stop(self) -> None:
        await asyncio.gather(*(driver.stop() for driver in self._drivers.values()), return_exceptions=True)

    def infos(self) -> list[LineInfo]:
        return [driver.info for driver in self._drivers.values()]

    def get(self, name: str) -> LineDriver:
        driver = self._drivers.get(name)
        if driver is None:
            raise NotFound(N_("No line named %(name)s."), name=name)
        return driver

    def simulate(self, name: str, call: SimCall) -> None:
        driver = self.get(name)
        if not isinstance(driver, SimLine):
            raise ValidationError("line", N_("Line %(name)s is not a simulated line."), name=name)
        driver.simulate(call)
