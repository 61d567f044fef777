"""Import bench: 100,000 rows of new customers with their cars into a copy of the million-customer CRM.

    python bench/crm_import.py [--db /tmp/ctid-bench/crm-1000000.sqlite3] [--rows 100000] [--format xlsx]

The source database is never modified: it is copied, and the copy migrated (``Database`` start/stop), before
the clock starts. The file is generated with the CRM's sample data (names, mobiles, plates, VINs with their
check digits, brands and models), its phones, plates and VINs checked absent from the database, so every
row creates a customer and a vehicle. The import (read, check, match, plan, write in one transaction: the
real ``Importer.apply``) runs in a child process: its peak RSS is the child's alone (``RUSAGE_CHILDREN``).
Targets: under 60 s and under 500 MB.

The child opens the database with ``keep_in_memory=False``: the daemon's default maps the whole database
file (~920 MB here, ``ctid.storage.cache_warmer``, ``[database] keep_in_memory``) and faults every page in.
Those are the file's own page-cache pages, shared and reclaimable, not memory the importer allocates, yet they
count in the process's RSS; with them the figure measured the file's size, not the import.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ctid.accounts.models import Role, User
from ctid.audit.models import Actor
from ctid.core.phone import PhoneNormaliser
from ctid.crm.import_models import Upload
from ctid.crm.importer import Importer
from ctid.crm.imports.export import write_csv, write_xlsx
from ctid.crm.imports.planning import MergeChoice
from ctid.crm.imports.records import SheetCustomer, SheetVehicle
from ctid.crm.models import CustomerKind, Gender, Phone
from ctid.sampledata import samples
from ctid.storage.db import Database

SOURCE = Path("/tmp/ctid-bench/crm-1000000.sqlite3")
SECONDS_TARGET = 60.0
RSS_TARGET_MB = 500.0
_FIELDS = (
    "name", "kind", "gender", "phone", "address", "level", "source", "plate", "vin", "brand", "model",
    "colour", "purchase_date", "mileage_km", "insurance_expiry",
)  # fmt: skip


@dataclass(frozen=True)
class ImportFigures:
    format: str
    rows: int
    created: int  # customers created
    seconds: float
    peak_rss_mb: float

    @property
    def ok(self) -> bool:
        return self.seconds < SECONDS_TARGET and self.peak_rss_mb < RSS_TARGET_MB


def records(rows: int, seed: int, taken: set[str]) -> list[SheetCustomer]:
    """``rows`` new customers, each with a car; no phone, plate or VIN repeats or is in ``taken``."""
    rng = random.Random(seed)
    found: list[SheetCustomer] = []
    phones: set[str] = set(taken)
    plates: set[str] = set(taken)
    serial = 0
    while len(found) < rows:
        phone = samples.mobile(rng)
        plate = samples.plate(rng, rng.random() < 0.3, rng.choice(samples.PLATE_OFFICES))
        if phone in phones or plate in plates:
            continue
        phones.add(phone)
        plates.add(plate)
        serial += 1
        brand, model = rng.choice(samples.CARS)[:2]
        female = rng.random() < 0.45
        company = rng.random() < 0.1
        bought = date(2015, 1, 1) + timedelta(days=rng.randrange(3500))
        vin = samples.vin("LBN", "CHMRK", rng.choice(samples.VIN_YEARS), "B", f"{serial:06d}")
        if vin in taken:
            continue
        found.append(
            SheetCustomer(
                name=samples.company_name(rng) if company else samples.person_name(rng, female),
                phones=(Phone(phone, None),),
                kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
                gender=None if company else (Gender.FEMALE if female else Gender.MALE),
                address=f"广州市天河区{rng.randrange(1, 999)}号" if rng.random() < 0.5 else "",
                level=rng.choice(samples.LEVELS),
                source=rng.choice(samples.SOURCES),
                vehicle=SheetVehicle(
                    plate=plate,
                    vin=vin,
                    brand=brand,
                    model=model,
                    colour=rng.choice(samples.COLOURS),
                    purchase_date=bought,
                    mileage_km=rng.randrange(100, 200_000),
                    insurance_expiry=bought.replace(year=2026) if bought.month != 2 else None,
                ),
            )
        )
    return found


def taken_keys(db: Path, candidates: list[SheetCustomer]) -> set[str]:
    """The candidates' phones (as e164 and as given), plates and VINs that the database already has."""
    keys = [f"+86{r.phones[0].number}" for r in candidates]
    plates = [r.vehicle.plate for r in candidates if r.vehicle]
    vins = [r.vehicle.vin for r in candidates if r.vehicle and r.vehicle.vin]
    taken: set[str] = set()
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        for column, table, values in (
            ("e164", "customer_phones", keys),
            ("plate", "vehicles", plates),
            ("vin", "vehicles", vins),
        ):
            for start in range(0, len(values), 500):
                batch = values[start : start + 500]
                marks = ",".join("?" * len(batch))
                query = f"SELECT {column} FROM {table} WHERE {column} IN ({marks})"
                taken |= {str(row[0]).removeprefix("+86") for row in conn.execute(query, batch)}
    return taken


def generate(db: Path, rows: int, seed: int = 7) -> list[SheetCustomer]:
    """``rows`` records of a larger pool, without those whose phone, plate or VIN the database has."""
    pool = records(rows + rows // 5 + 100, seed, set())
    taken = taken_keys(db, pool)
    kept = [
        record
        for record in pool
        if record.vehicle is not None
        and not {record.phones[0].number, record.vehicle.plate, record.vehicle.vin or ""} & taken
    ]
    if len(kept) < rows:
        raise RuntimeError(f"only {len(kept)} of {rows} generated rows are new to the database")
    return kept[:rows]


async def _migrate(path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{path}")
    await database.start()
    await database.stop()


async def _child_import(db: Path, data: bytes, name: str) -> dict[str, float | int]:
    """The child's part: the real importer, as an admin, into the default branch."""
    database = Database(f"sqlite+aiosqlite:///{db}", keep_in_memory=False)  # see the module's docstring
    await database.start()
    try:
        now = datetime.now(UTC)
        admin = User(1, "bench", "bench", Role.ADMIN, 1, None, True, False, now, None)
        importer = Importer(database, PhoneNormaliser("CN", "020"), lambda: now.date())
        started = time.perf_counter()
        result = await importer.apply(Actor.of(admin), admin, Upload(data, name), MergeChoice.SKIP)
        seconds = time.perf_counter() - started
    finally:
        await database.stop()
    return {"seconds": seconds, "created": result.customers_created}


def run(db_path: Path = SOURCE, rows: int = 100_000, format: str = "xlsx") -> ImportFigures:
    """Copy and migrate ``db_path``, write a ``rows``-row file, import it in a child process."""
    with tempfile.TemporaryDirectory(prefix="ctid-import-bench-") as directory:
        copy = Path(directory) / "crm.sqlite3"
        shutil.copyfile(db_path, copy)
        asyncio.run(_migrate(copy))
        sheet = generate(copy, rows)
        writer = write_xlsx if format == "xlsx" else write_csv
        upload = Path(directory) / f"customers.{format}"
        upload.write_bytes(writer(sheet, _FIELDS))
        del sheet
        command = [sys.executable, __file__, "--child", str(copy), str(upload)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
    return ImportFigures(format, rows, int(answer["created"]), float(answer["seconds"]), peak_kb / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=SOURCE)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--child", nargs=2, metavar=("DB", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        upload = Path(args.child[1])
        print(json.dumps(asyncio.run(_child_import(Path(args.child[0]), upload.read_bytes(), upload.name))))
        return
    figures = run(args.db, args.rows, args.format)
    print(
        f"import of {figures.rows:,} rows ({figures.format}): {figures.seconds:.1f} s "
        f"(target < {SECONDS_TARGET:.0f} s), peak RSS {figures.peak_rss_mb:.0f} MB "
        f"(target < {RSS_TARGET_MB:.0f} MB), {figures.created:,} customers created"
    )
    print(
        "  peak RSS is the import's child process, opened with keep_in_memory=False: the daemon's mapping of "
        "the whole database file (file-backed page cache, not the importer's memory) is excluded"
    )
    sys.exit(0 if figures.ok and figures.created == figures.rows else 1)


if __name__ == "__main__":
    main()
