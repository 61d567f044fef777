"""An SmsSender of the tests' own, in memory: it records what it was given and answers what it is told."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from ctid.messaging.senders import Outgoing, SendResult


@dataclass
class MemorySender:
    name: str = "memory"
    sent: list[Outgoing] = field(default_factory=list)
    answers: deque[SendResult] = field(default_factory=deque)  # the next sends' results (then ok)
    fail_start: str = ""
    started: bool = False
    hold: asyncio.Event | None = None  # a send waits for it (a send in flight, for the kill tests)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    deduplicates: bool = False

    async def start(self) -> None:
        if self.fail_start:
            raise OSError(self.fail_start)
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def send(self, message: Outgoing) -> SendResult:
        self.entered.set()
        if self.hold is not None:
            await self.hold.wait()
        self.sent.append(message)
        if self.answers:
            return self.answers.popleft()
        return SendResult(True, (f"id{message.ref}",))
