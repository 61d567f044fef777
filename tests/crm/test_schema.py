"""The CRM schema: the migration creates exactly what the tables declare; money, plates and VINs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import Connection

from ctid.crm.plates import normalise_plate
from ctid.crm.tables import Money
from ctid.sampledata.samples import vin, vin_is_valid
from ctid.storage.db import Database, _alembic_config
from tests.crm.support import CRM_TABLES, differences, has_table


async def test_the_migration_matches_the_tables(db: Database) -> None:
    assert [d for d in await differences(db) if set(CRM_TABLES) & set(map(str, _tables(d)))] == []


def _tables(difference: object) -> list[object]:
    """Table names mentioned by an autogenerate difference (a tuple, or a list of tuples)."""
    items = difference if isinstance(difference, list) else [difference]
    return [getattr(part, "name", getattr(part, "table", part)) for item in items for part in item]


async def test_downgrade_and_upgrade_again(db: Database) -> None:
    def run(conn: Connection, revision: str, up: bool) -> None:
        (command.upgrade if up else command.downgrade)(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run, "0002", False)
    assert not await has_table(db, "customers")
    async with db.engine.begin() as conn:
        await conn.run_sync(run, "head", True)
    assert await has_table(db, "customers")


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [(Decimal("480.00"), 48000), (Decimal("0.015"), 2), (Decimal("12.344"), 1234), (Decimal(0), 0)],
)
def test_money_is_stored_in_fen(yuan: Decimal, fen: int) -> None:
    money = Money()
    stored = money.process_bind_param(yuan, None)  # type: ignore[arg-type]
    assert stored == fen
    assert money.process_result_value(stored, None) == Decimal(fen) / 100  # type: ignore[arg-type]
    assert money.process_bind_param(None, None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("written", "plate"),
    [
        ("粤A12345", "粤A12345"),
        ("粤a·12345", "粤A12345"),
        (" 粤 A-1234 5 ", "粤A12345"),
        ("粤Ａ１２３４５", "粤A12345"),  # full-width
        ("粤AD12345", "粤AD12345"),  # new energy
        ("粤B1234学", "粤B1234学"),
        ("京A・B1234", "京AB1234"),
        ("粤A1234", None),
        ("粤A1234567", None),
        ("AB12345", None),
        ("日A12345", None),
        ("", None),
    ],
)
def test_plates(written: str, plate: str | None) -> None:
    assert normalise_plate(written) == plate


def test_vin_check_digit() -> None:
    assert vin_is_valid("1M8GDM9AXKP042788")  # the textbook example
    assert not vin_is_valid("1M8GDM9A1KP042788")
    assert not vin_is_valid("1M8GDM9AXKP04278")
    assert not vin_is_valid("IM8GDM9AXKP042788")  # I, O and Q are never used
    made = vin("LSV", "NV218", "E", "2", "100001")
    assert vin_is_valid(made) and made[8] == "7"
