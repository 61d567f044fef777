"""``ctid sms test NAME --to NUMBER``: one SMS through a configured sender, sent here, with what happens.

For installers: a GSM modem (the right AT port, a SIM that sends, delivery reports arriving) or a gateway's
keys and template checked before the outbox uses them. The daemon must not hold the modem's port."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from typing import TextIO

from ctid.cli import EXIT_FAILED
from ctid.cli.settings import load_config
from ctid.core.config import SmsSenderConfig


def test(args: argparse.Namespace) -> int:
    loaded = load_config(args.config)
    found = [sender for sender in loaded.sms.senders if sender.name == args.name]
    if not found:
        known = ", ".join(sender.name for sender in loaded.sms.senders) or "none"
        print(
            f"ctid: no SMS sender named {args.name!r} in {loaded.source} (senders: {known})", file=sys.stderr
        )
        return EXIT_FAILED
    params = dict(param.partition("=")[::2] for param in args.param)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(send_one(found[0], args.to, args.text, args.template, params, args.wait, sys.stdout))


async def send_one(
    entry: SmsSenderConfig,
    number: str,
    text: str,
    template: str | None,
    params: dict[str, str],
    wait_s: float,
    out: TextIO,
) -> int:
    from ctid.messaging.build import build_sender
    from ctid.messaging.gsm_modem import GsmModemSender
    from ctid.messaging.senders import DeliveryReport, IncomingSms, Outgoing
    from ctid.messaging.sms_text import count

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    async def on_delivery(report: DeliveryReport) -> None:
        say(f"delivery report: message reference {report.provider_id} {report.status}")

    async def on_incoming(message: IncomingSms) -> None:
        say(f"reply from {message.number}: {message.text}")

    sender = build_sender(entry, on_delivery, on_incoming)
    await sender.start()
    try:
        if isinstance(sender, GsmModemSender):
            say(f"opening {sender.options.device} ...")
            if not await sender.wait_ready(30):
                say(f"not ready: {sender.problem}")
                return EXIT_FAILED
            say("modem ready")
        counted = count(text)
        say(f"{counted.encoding}, {counted.length} of {counted.per_part} a part, {counted.parts} part(s)")
        message = Outgoing(int(time.time()), number, text, template, params)
        result = await sender.send(message)
        if not result.ok:
            say(f"not sent: {result.error} ({'worth retrying' if result.retryable else 'final'})")
            return EXIT_FAILED
        say(f"sent: {', '.join(result.provider_ids) or 'no id'}")
        if wait_s > 0:
            say(f"waiting {wait_s:g} s for delivery reports and replies ...")
            await asyncio.sleep(wait_s)
        return 0
    finally:
        await sender.stop()
