"""``ctid run``: the only verb that imports the whole daemon."""

from __future__ import annotations

import argparse
import gc

from ctid.cli.settings import load_config


def run(args: argparse.Namespace) -> int:
    """The daemon, its imports and its start made with the garbage collector off until it is ready.

    Why: importing the daemon builds some 800 modules' objects, nearly all of them kept for its whole life;
    the collector walking them again and again as they grow was a tenth of the start's CPU. ``ctid.app``
    collects once and freezes that heap when the daemon is ready, and turns the collector back on."""
    gc.disable()
    from ctid.app import run as run_daemon

    return run_daemon(load_config(args.config))
