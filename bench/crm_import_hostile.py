"""Hostile import files (issue 14): CPU and memory of checking each, as the daemon checks an upload.

    python bench/crm_import_hostile.py

Each file is built and checked in a process of its own (``tests/crm/imports/measured.py``: the real
``Importer.dry_run`` on a fresh SQLite database, the reading in a worker thread); printed: the file's size,
the CPU seconds of the check, the growth of the process's peak RSS over it, and what came of it. Targets
(the issue's): refused or done in under 1 s and under 50 MB each.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("commas", "commas_after_a_name", "xfd", "shared_strings_bomb", "empty_strings")


def main() -> None:
    print(f"{'file':<22} {'size':>10} {'cpu s':>7} {'+MB':>6}  outcome")
    for kind in KINDS:
        with tempfile.TemporaryDirectory(prefix="ctid-hostile-") as directory:
            done = subprocess.run(
                [sys.executable, "-m", "tests.crm.imports.measured", kind, directory],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        outcome = figures.get("refused") or f"{figures['rows']} rows, {figures['errors']} errors"
        size, cpu, grown = figures["size"], figures["cpu_s"], figures["grown_mb"]
        print(f"{kind:<22} {size:>10,} {cpu:>7.3f} {grown:>6.1f}  {outcome[:70]}")


if __name__ == "__main__":
    main()
