"""The bulk generator: consistent data, numbers stored exactly as the normaliser keys them, indexes intact.

SQLite only: the generator writes an SQLite file directly (sqlite3, indexes dropped and rebuilt) for the
benchmarks, so these tests read the file and its catalogue (sqlite_master, PRAGMA) themselves."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Column

from ctid.core.phone import PhoneNormaliser
from ctid.crm.plates import normalise_plate
from ctid.crm.search import name_grams
from ctid.crm.service import CustomerDirectory
from ctid.sampledata import bulk
from ctid.sampledata.bulk_rows import COLUMNS, landline_number, mobile_number, plate_for
from ctid.sampledata.samples import MOBILE_PREFIXES, vin_is_valid
from ctid.storage.db import Database, metadata
from tests.crm.support import NOW, TODAY
from tests.crm.support import sqlite_dump as dump
from tests.crm.support import sqlite_rows as rows

COUNT = 2000


@pytest.fixture
async def migrated(db_path: Path) -> Path:
    database = Database(f"sqlite+aiosqlite:///{db_path}")
    await database.start()
    await database.stop()
    return db_path


@pytest.fixture
def generated(migrated: Path) -> bulk.BulkStats:
    return bulk.generate(migrated, customers=COUNT, seed=3, today=TODAY)


def indexes(path: Path) -> list[tuple[object, ...]]:
    return rows(path, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")


def test_counts(generated: bulk.BulkStats, migrated: Path) -> None:
    assert generated.customers == COUNT
    assert 1.2 * COUNT < generated.vehicles < 1.5 * COUNT
    assert generated.phones > COUNT and generated.visits > COUNT // 2 and generated.items > generated.visits
    assert rows(migrated, "SELECT count(*) FROM customers") == [(COUNT,)]
    assert rows(migrated, "SELECT count(*) FROM visit_items") == [(generated.items,)]


def test_references_hold(generated: bulk.BulkStats, migrated: Path) -> None:
    assert rows(migrated, "PRAGMA foreign_key_check") == []
    assert rows(
        migrated, "SELECT count(*) FROM customers WHERE id NOT IN (SELECT customer_id FROM customer_phones)"
    ) == [(0,)]
    assert rows(
        migrated, "SELECT count(*) FROM vehicles WHERE id NOT IN (SELECT vehicle_id FROM customer_vehicles)"
    ) == [(0,)]
    items = "SELECT sum(price * quantity) FROM visit_items WHERE visit_id = v.id"
    sums = f"SELECT count(*) FROM visits v WHERE amount != ({items})"
    assert rows(migrated, sums) == [(0,)]


@pytest.mark.parametrize("area_code", ["020", ""])
def test_every_e164_is_what_the_normaliser_makes_of_the_number(
    generated: bulk.BulkStats, migrated: Path, area_code: str
) -> None:
    normaliser = PhoneNormaliser("CN", area_code)
    phones = rows(migrated, "SELECT number, e164 FROM customer_phones")
    assert len(phones) == generated.phones
    wrong = [(n, e) for n, e in phones if normaliser.normalise(str(n)).e164 != e]
    assert wrong == []
    assert len({n for n, _ in phones}) > 100  # written in several ways
    assert (
        rows(
            migrated,
            "SELECT count(*) FROM (SELECT e164 FROM customer_phones GROUP BY e164 HAVING count(*) > 1)",
        )[0][0]
        > 10
    )


def test_plates_and_vins_are_well_formed_and_unique(generated: bulk.BulkStats, migrated: Path) -> None:
    plates = [str(p) for (p,) in rows(migrated, "SELECT plate FROM vehicles")]
    assert all(normalise_plate(p) == p for p in plates) and len(set(plates)) == len(plates)
    assert any(len(p) == 8 for p in plates) and any(len(p) == 7 for p in plates)
    vins = [str(v) for (v,) in rows(migrated, "SELECT vin FROM vehicles WHERE vin IS NOT NULL")]
    assert vins and all(vin_is_valid(v) for v in vins)


def test_every_name_has_its_grams(generated: bulk.BulkStats, migrated: Path) -> None:
    """A one- or two-character search of bulk data finds what the application's writes would have."""
    bulk.generate(migrated, customers=100, seed=4, today=TODAY)  # a second run adds its own
    names = rows(migrated, "SELECT id, branch_id, name FROM customers")
    expected = {(i, g, b) for i, b, name in names for g in name_grams(str(name))}
    assert set(rows(migrated, "SELECT customer_id, gram, branch_id FROM customer_name_grams")) == expected
    assert len(expected) > 3 * len(names)


def test_the_indexes_are_rebuilt_as_they_were(migrated: Path) -> None:
    before = indexes(migrated)
    bulk.generate(migrated, customers=50, seed=3, today=TODAY)
    assert indexes(migrated) == before
    assert rows(migrated, "PRAGMA journal_mode") == [("wal",)]


def test_runs_in_wal_while_another_connection_is_open(migrated: Path) -> None:
    with closing(sqlite3.connect(migrated)) as reader:
        reader.execute("SELECT count(*) FROM customers").fetchone()
        assert bulk.generate(migrated, customers=100, seed=3, today=TODAY).customers == 100
        assert reader.execute("SELECT count(*) FROM customers").fetchone() == (100,)
    assert rows(migrated, "PRAGMA journal_mode") == [("wal",)]


def test_a_second_run_adds_to_the_first(generated: bulk.BulkStats, migrated: Path) -> None:
    first = dump(migrated)
    again = bulk.generate(migrated, customers=COUNT, seed=3, today=TODAY)
    assert again.customers == COUNT
    assert rows(migrated, "SELECT count(*) FROM customers") == [(2 * COUNT,)]
    assert rows(migrated, "SELECT count(DISTINCT branch_id) FROM customers") == [(1,)]
    assert {t: r[: len(first[t])] for t, r in dump(migrated).items()} == first


async def test_the_directory_finds_known_numbers(generated: bulk.BulkStats, migrated: Path) -> None:
    numbers = bulk.known_numbers(migrated, 300, seed=1)
    assert len(numbers) == 300
    db = Database(f"sqlite+aiosqlite:///{migrated}")
    await db.start()
    try:
        directory = CustomerDirectory(db, PhoneNormaliser("CN", "020"), clock=lambda: NOW)
        for number in numbers[:100]:
            candidates = await directory.match(number)
            assert candidates
            card = await directory.card(candidates[0].id, TODAY)
            assert number in {p.e164 for p in card.phones}
    finally:
        await db.stop()


def test_number_and_plate_generators_are_injective() -> None:
    assert len({mobile_number(k, MOBILE_PREFIXES[k % 7])[0][3:] for k in range(0, 10**8, 9973)}) == len(
        range(0, 10**8, 9973)
    )
    assert len({landline_number(k)[0] for k in range(50_000)}) == 50_000
    for new_energy in (False, True):
        assert len({plate_for(k, new_energy) for k in range(1, 300_000, 7)}) == len(range(1, 300_000, 7))


def test_columns_cover_every_required_column() -> None:
    for table, columns in COLUMNS.items():
        required = {c.name for c in metadata.tables[table].c if _required(c)}
        assert required <= set(columns), table
        assert set(columns) <= {c.name for c in metadata.tables[table].c}, table


def _required(column: Column[object]) -> bool:
    return not column.nullable and column.server_default is None and not column.primary_key


def test_known_numbers_of_an_empty_database(migrated: Path) -> None:
    assert bulk.known_numbers(migrated, 10) == []
