"""Which column of the file fills which field: guessed from the headers, corrected by the dealer.

Headers are matched through the aliases of ``fields`` (Chinese or English, case, width, spaces and units
ignored); phone numbers may come in several columns (电话, 电话2, 手机 ...). The dealer can override any
header (to a field, or None to ignore it). Problems are collected, not raised, so that the mapping screen can
show the guess and every problem at once; ``check_rows`` refuses to check rows under a mapping with problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ctid.core.errors import N_
from ctid.crm.imports.errors import RowError
from ctid.crm.imports.fields import ALIASES, BY_NAME, MULTI_COLUMN, Entity, header_key

_NUMBERED = re.compile(r"(.+?)\d+")  # 电话2, phone 3


@dataclass(frozen=True, slots=True)
class MappedColumn:
    """A column of the file: its 0-based index, its header as in the file, and its field (None: ignored)."""

    index: int
    header: str
    field: str | None


@dataclass(frozen=True)
class ColumnMapping:
    """Every column of the file with its field, and what is wrong with the mapping (RowErrors of row 0: the
    header; ``check_rows`` reports them with the header's row number)."""

    columns: tuple[MappedColumn, ...]
    problems: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def mapped(self) -> tuple[MappedColumn, ...]:
        return tuple(column for column in self.columns if column.field is not None)

    @property
    def ignored(self) -> tuple[str, ...]:
        """Headers of the columns that will not be imported (unknown, or ignored by choice)."""
        return tuple(column.header for column in self.columns if column.field is None)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(column.field for column in self.mapped if column.field is not None)

    def header_of(self, field: str) -> str:
        """The header of the (first) column of ``field``, or "" when the file has none."""
        return next((column.header for column in self.columns if column.field == field), "")


def guess_mapping(headers: Sequence[str], overrides: Mapping[str, str | None] | None = None) -> ColumnMapping:
    """Map each header to a field by its aliases; ``overrides`` (header as in the file -> field name, or None
    to ignore the column) win over the guess."""
    overrides = overrides or {}
    problems = [
        _problem(header, "", N_("The file has no column “%(column)s”."), column=header)
        for header in overrides
        if header not in headers
    ]
    columns = []
    for index, header in enumerate(headers):
        if header in overrides:
            field = overrides[header] or None
            if field is not None and field not in BY_NAME:
                problems.append(_problem(header, field, N_("There is no field “%(field)s”."), field=field))
                field = None
        else:
            field = guess_field(header)
        columns.append(MappedColumn(index, header, field))
    problems += _repeated(columns) + _missing({column.field for column in columns})
    return ColumnMapping(tuple(columns), tuple(problems))


def guess_field(header: str) -> str | None:
    """The field a header names, or None. A number after a phone header (电话2, phone 3) is allowed."""
    key = header_key(header)
    field = ALIASES.get(key)
    if field is None and (numbered := _NUMBERED.fullmatch(key)):
        field = ALIASES.get(numbered[1])
        return field if field in MULTI_COLUMN else None
    return field


def _repeated(columns: Sequence[MappedColumn]) -> list[RowError]:
    """Two columns for one field (other than phones): which one is right is the dealer's call."""
    first: dict[str, str] = {}
    problems = []
    for column in columns:
        if column.field is None or column.field in MULTI_COLUMN:
            continue
        if column.field in first:
            problems.append(
                _problem(
                    column.header,
                    column.field,
                    N_("The columns “%(first)s” and “%(second)s” both hold %(field)s: ignore one of them."),
                    first=first[column.field],
                    second=column.header,
                    field=column.field,
                )
            )
        first.setdefault(column.field, column.header)
    return problems


def _missing(fields: set[str | None]) -> list[RowError]:
    """Required columns: a name, a phone or a plate, and a plate for any other vehicle column."""
    problems = []
    if "name" not in fields:
        reason = N_("No column holds the customer's name (such as 客户名称 or Name).")
        problems.append(_problem("", "name", reason))
    if not fields & {"phone", "plate"}:
        reason = N_(
            "No column holds a phone number or a plate: every customer needs one (such as 电话 or 车牌号)."
        )
        problems.append(_problem("", "phone", reason))
    vehicle = {BY_NAME[name].name for name in fields if name and BY_NAME[name].entity is Entity.VEHICLE}
    if "plate" not in fields and vehicle - {"role"}:
        reason = N_(
            "Vehicle columns (%(columns)s) need a plate column: the CRM finds a vehicle by its plate."
        )
        problems.append(_problem("", "plate", reason, columns=", ".join(sorted(vehicle))))
    return problems


def _problem(column: str, field: str, reason: str, /, **params: str | int) -> RowError:
    return RowError(0, column, field, "", reason, tuple(params.items()))
