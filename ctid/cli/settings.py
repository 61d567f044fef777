"""``ctid check-config`` and the config every other verb loads."""

from __future__ import annotations

import argparse
import os

from ctid.core.config import Config, load


def load_config(path: str | None) -> Config:
    """The ``--config`` file, else ``$CTID_CONFIG``, else the embedded defaults."""
    return load(path or os.environ.get("CTID_CONFIG") or None)


def check_config(args: argparse.Namespace) -> int:
    loaded = load_config(args.path)
    print(
        f"{loaded.source}: OK ({len(loaded.lines)} line(s), database {loaded.database_url.split(':', 1)[0]})"
    )
    return 0
