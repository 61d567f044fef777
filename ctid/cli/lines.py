"""``ctid line simulate|test|watch``: a running daemon's lines through its control socket, or one line here.

``simulate`` and ``watch`` only talk to the socket: they import no database, web or DSP code."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from ctid import control
from ctid.cli import EXIT_FAILED
from ctid.cli.settings import load_config


def simulate(args: argparse.Namespace) -> int:
    loaded = load_config(args.config)
    request = {
        "line": args.name,
        "number": args.number,
        "name": args.caller_name,
        "rings": args.rings,
        "answer_after": args.answer_after,
        "talk_s": args.talk,
    }
    try:
        asyncio.run(control.send(loaded.data_dir / "ctid.sock", "simulate", **request))
    except control.ControlError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"line {args.name} is ringing")
    return 0


def test(args: argparse.Namespace) -> int:
    """Open a configured line here (the daemon must not hold it) and show its init and events live."""
    from ctid.cli.line_console import line_test

    loaded = load_config(args.config)
    found = [line for line in loaded.lines if line.name == args.name]
    if not found:
        known = ", ".join(line.name for line in loaded.lines) or "none"
        print(f"ctid: no line named {args.name!r} in {loaded.source} (lines: {known})", file=sys.stderr)
        return EXIT_FAILED
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(line_test(found[0], sys.stdout))
    return 0


def watch(args: argparse.Namespace) -> int:
    from ctid.cli.line_console import line_watch

    loaded = load_config(args.config)
    try:
        asyncio.run(line_watch(loaded.data_dir / "ctid.sock", args.name, sys.stdout))
    except control.ControlError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0
