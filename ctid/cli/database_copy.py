"""``ctid db copy``: a module of its own, as it imports every table and the CRM's search index
(ctid.copy_plan), which the other database verbs do not need."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ctid.copy_plan import PLAN
from ctid.storage.copying import CopyPrinter, copy_database, describe


def copy(args: argparse.Namespace) -> int:
    """Progress on stderr (a line per table, then one every few seconds on a long one), the summary on
    stdout."""
    printer = CopyPrinter(sys.stderr)
    report = asyncio.run(copy_database(args.source, args.target, PLAN, printer.progress))
    total = sum(report.rows.values())
    print(
        f"copied {total:,} rows in {len(report.rows)} tables from {describe(args.source)} to "
        f"{describe(args.target)} in {report.seconds:.1f} s; every table's count checked"
    )
    return 0
