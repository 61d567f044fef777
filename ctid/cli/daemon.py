"""``ctid run``: the only verb that imports the whole daemon."""

from __future__ import annotations

import argparse

from ctid.app import run as run_daemon
from ctid.cli.settings import load_config


def run(args: argparse.Namespace) -> int:
    return run_daemon(load_config(args.config))
