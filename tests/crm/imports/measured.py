"""One import check of a hostile file, the way the daemon runs it, measured in a process of its own.

    python -m tests.crm.imports.measured KIND DATA_DIR

``Importer.dry_run`` on a freshly migrated SQLite database (the file read and checked in a worker thread,
then matched); printed as one JSON line: the CPU seconds of the whole process (all threads), the growth of
its peak RSS over the check (the peak is reset first, so setting up does not hide it), and the outcome.
The test that starts it caps the process's CPU time, so a check that would run for minutes is killed.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ctid.accounts.models import Role, User
from ctid.core.errors import ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.crm.import_models import Upload
from ctid.crm.importer import Importer
from ctid.storage.db import Database
from tests.crm.imports import hostile

FILES = {
    "commas": (hostile.comma_row, "customers.csv"),
    "commas_after_a_name": (lambda: hostile.comma_row(first="王伟,13800138000".encode()), "customers.csv"),
    "xfd": (hostile.xfd_workbook, "customers.xlsx"),
    "shared_strings_bomb": (hostile.shared_strings_bomb, "customers.xlsx"),
    "empty_strings": (lambda: hostile.shared_strings_bomb(60), "customers.xlsx"),
}


def peak_rss_kb() -> int:
    status = Path("/proc/self/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert found, "no VmHWM in /proc/self/status"
    return int(found[1])


def reset_peak_rss() -> None:
    """The kernel's peak RSS of this process starts again from its current RSS (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


async def check(kind: str, directory: Path) -> dict[str, object]:
    build, filename = FILES[kind]
    data = build()
    database = Database(f"sqlite+aiosqlite:///{directory / 'measured.sqlite3'}")
    await database.start()
    try:
        now = datetime.now(UTC)
        admin = User(1, "admin", "Admin", Role.ADMIN, 1, None, True, False, now, None)
        importer = Importer(database, PhoneNormaliser("CN", "020"), lambda: now.date())
        await importer.dry_run(
            admin, Upload(b"name,phone\r\nx,13800138000\r\n", "warm.csv")
        )  # imports loaded
        reset_peak_rss()
        before_kb, started = peak_rss_kb(), time.process_time()
        try:
            found = await importer.dry_run(admin, Upload(data, filename))
            outcome: dict[str, object] = {"rows": found.report.total_rows, "errors": len(found.errors)}
        except ValidationError as refused:
            outcome = {"refused": refused.message % refused.params if refused.params else refused.message}
        cpu = time.process_time() - started
        grown_mb = (peak_rss_kb() - before_kb) / 1024
    finally:
        await database.stop()
    return {"size": len(data), "cpu_s": cpu, "grown_mb": grown_mb, **outcome}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(check(sys.argv[1], Path(sys.argv[2])))))
