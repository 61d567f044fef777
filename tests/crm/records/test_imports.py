"""The importer against a real database: dry run errors, all or nothing, merge choices, branches,
permissions, and an export that imports back unchanged."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from ctid.core.errors import PermissionDenied
from ctid.crm import import_store
from ctid.crm.import_models import Format, ImportFailed, ImportRejected, Upload
from ctid.crm.imports.planning import MergeChoice
from ctid.crm.imports.reading import read_table
from ctid.crm.tables import customers
from tests.crm.imports.support import csv_bytes, vin_for, xlsx_bytes
from tests.crm.records.support import World
from tests.crm.support import rows

HEADER = ["客户名称", "电话", "车牌号", "车架号", "品牌", "里程", "生日"]
GOOD = [
    ["王芳", "13900139000", "粤A11111", "", "丰田", "12000", "1990-01-02"],
    ["李强", "13700137000", "粤B22222", "", "本田", "", ""],
    ["王芳", "13900139000", "粤A33333", "", "大众", "5000", ""],  # her second car
    ["赵敏", "020-8888-1234", "", "", "", "", ""],
]


def upload(body: list[list[str]], name: str = "customers.csv", **kw: Any) -> Upload:
    return Upload(csv_bytes([HEADER, *body]), name, **kw)


async def count(world: World, table: str) -> int:
    return int((await rows(world.db, f"SELECT COUNT(*) FROM {table}"))[0][0])


async def test_a_dry_run_reports_exactly_the_bad_rows(world: World) -> None:
    body = [
        *GOOD,
        ["", "13600136000", "", "", "", "", ""],  # row 6: no name
        ["陈静", "12345", "", "", "", "", ""],  # row 7: not a phone number
        ["周杰", "13500135000", "粤A44444", "", "", "", "1990-02-30"],  # row 8: no such day
    ]
    check = await world.records.imports.dry_run(world.supervisor, upload(body))
    found = [(e.row, e.column, e.reason) for e in check.errors]
    assert [(row, column) for row, column, _ in found] == [(6, "客户名称"), (7, "电话"), (8, "生日")]
    assert found[0][2] == "The name is blank: every customer needs one."
    assert check.report.total_rows == 7 and len(check.report.rows) == 4
    assert await count(world, "customers") == 0


async def test_an_import_lands_whole(world: World) -> None:
    imports = world.records.imports
    result = await imports.apply(
        world.actor(world.supervisor), world.supervisor, upload(GOOD), MergeChoice.SKIP
    )
    assert (result.created, result.updated, result.skipped) == (4, 0, 0)
    assert (result.customers_created, result.vehicles_created) == (3, 3)
    assert await rows(world.db, "SELECT name, branch_id FROM customers ORDER BY id") == [
        ("王芳", world.branch_a),
        ("李强", world.branch_a),
        ("赵敏", world.branch_a),
    ]
    assert await count(world, "customer_vehicles") == 3
    assert await rows(world.db, "SELECT mileage_km, source FROM vehicle_mileage ORDER BY id") == [
        (12000, "import"),
        (5000, "import"),
    ]
    audit = await rows(world.db, "SELECT action, after FROM audit_log WHERE action = 'crm.import'")
    assert len(audit) == 1 and '"customers_created": 3' in str(audit[0][1])


async def test_one_bad_row_writes_nothing(world: World) -> None:
    body = [*GOOD, ["陈静", "not a number", "", "", "", "", ""]]
    with pytest.raises(ImportRejected) as refused:
        await world.records.imports.apply(
            world.actor(world.supervisor), world.supervisor, upload(body), MergeChoice.CREATE
        )
    assert [e.row for e in refused.value.check.errors] == [6]
    assert await count(world, "customers") == 0 and await count(world, "vehicles") == 0


async def test_a_database_error_midway_writes_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(conn: Any, rows: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(import_store, "insert_links", broken)  # after customers and vehicles went in
    with pytest.raises(ImportFailed):
        await world.records.imports.apply(
            world.actor(world.supervisor), world.supervisor, upload(GOOD), MergeChoice.SKIP
        )
    assert await count(world, "customers") == 0 and await count(world, "vehicles") == 0
    assert (
        await count(world, "customer_phones") == 0
        and await count(world, "audit_log WHERE action = 'crm.import'") == 0
    )


@pytest.mark.parametrize("merge", list(MergeChoice))
async def test_duplicates_follow_the_merge_choice(world: World, merge: MergeChoice) -> None:
    imports, sam = world.records.imports, world.supervisor
    await imports.apply(world.actor(sam), sam, upload(GOOD), MergeChoice.SKIP)
    again = [
        ["王芳", "13900139000", "", "", "", "", "1991-03-04"],  # same phone and name: an existing customer
        ["孙丽", "13300133000", "", "", "", "", ""],  # new
    ]
    if merge is MergeChoice.CREATE:
        result = await imports.apply(world.actor(sam), sam, upload(again), merge)
        assert (result.created, result.customers_created) == (2, 2)
        assert await count(world, "customers") == 5
        return
    check = await imports.dry_run(sam, upload(again), merge)
    assert check.report.rows[0].existing_customers and not check.errors
    result = await imports.apply(world.actor(sam), sam, upload(again), merge)
    birthday = await rows(world.db, select(customers.c.birthday).where(customers.c.name == "王芳"))
    if merge is MergeChoice.SKIP:
        assert (result.created, result.updated, result.skipped) == (1, 0, 1)
        assert birthday == [(date(1990, 1, 2),)]
    else:
        assert (result.created, result.updated, result.skipped) == (1, 1, 0)
        assert birthday == [(date(1991, 3, 4),)]
        history = await world.records.customers.history(sam, check.report.rows[0].existing_customers[0])
        assert next((h.action, h.field, h.after) for h in history) == (
            "customer.import",
            "birthday",
            "1991-03-04",
        )
    assert await count(world, "customers") == 4


async def test_a_taken_plate_cannot_be_created(world: World) -> None:
    imports, sam = world.records.imports, world.supervisor
    await imports.apply(world.actor(sam), sam, upload(GOOD), MergeChoice.SKIP)
    check = await imports.dry_run(
        sam, upload([["某人", "13300133000", "粤A11111", "", "", "", ""]]), MergeChoice.CREATE
    )
    assert [(e.row, e.field) for e in check.errors] == [(2, "plate")]


async def test_branches_are_apart(world: World) -> None:
    imports = world.records.imports
    await imports.apply(world.actor(world.supervisor), world.supervisor, upload(GOOD), MergeChoice.SKIP)
    # the same file in the east branch (the admin's choice): nothing matches there, all are new
    check = await imports.dry_run(world.admin, upload(GOOD, branch_id=world.branch_b), MergeChoice.SKIP)
    assert check.branch_id == world.branch_b and not any(row.matches for row in check.report.rows)
    result = await imports.apply(
        world.actor(world.admin), world.admin, upload(GOOD, branch_id=world.branch_b), MergeChoice.SKIP
    )
    assert result.customers_created == 3
    with pytest.raises(PermissionDenied):  # a supervisor imports into their own branch only
        await imports.dry_run(world.supervisor, upload(GOOD, branch_id=world.branch_b))
    exported = await world.records.exports.export(world.supervisor, None, Format.CSV, "zh")
    assert exported.decode("utf-8-sig").count("\r\n") == 1 + 4  # the header and branch A's rows only


async def test_operators_may_not_import_or_export(world: World) -> None:
    with pytest.raises(PermissionDenied):
        await world.records.imports.dry_run(world.olga, upload(GOOD))
    with pytest.raises(PermissionDenied):
        await world.records.imports.apply(world.actor(world.olga), world.olga, upload(GOOD), MergeChoice.SKIP)
    with pytest.raises(PermissionDenied):
        await world.records.exports.export(world.olga, None, Format.XLSX, "zh")


@pytest.mark.parametrize(("format", "language"), [(Format.XLSX, "zh"), (Format.CSV, "en")])
async def test_an_export_imports_back_unchanged(world: World, format: Format, language: str) -> None:
    imports, ada = world.records.imports, world.admin
    body = [[*row] for row in GOOD]
    body[0][3] = vin_for(1)
    await imports.apply(
        world.actor(ada), ada, Upload(xlsx_bytes([HEADER, *body]), "a.xlsx"), MergeChoice.SKIP
    )
    exported = await world.records.exports.export(ada, None, format, language)
    name = f"export.{format.value}"
    check = await imports.dry_run(ada, Upload(exported, name), MergeChoice.SKIP)
    assert not check.errors and len(check.report.rows) == 4
    assert all(row.matches for row in check.report.rows)  # every row is a record already in the CRM
    result = await imports.apply(world.actor(ada), ada, Upload(exported, name), MergeChoice.UPDATE)
    assert (result.created, result.updated) == (0, 4)
    assert (
        await count(world, "audit_log WHERE action IN ('customer.import', 'vehicle.import')") == 0
    )  # no change
    again = await world.records.exports.export(ada, None, format, language)
    assert cells(again, name) == cells(exported, name)  # an XLSX also holds the moment it was written


def cells(data: bytes, name: str) -> list[tuple[str, ...]]:
    table = read_table(data, name)
    return [tuple(table.headers), *(tuple(row.cells) for row in table.rows)]
