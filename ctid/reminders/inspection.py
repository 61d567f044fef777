"""When a vehicle's annual inspection (年审) falls due, by the rule table: data an admin can change when the
rules change again, kept as JSON like the settings.

The default table is the rule for private small and mini passenger cars (非营运小微型载客汽车) since
1 October 2022 (公安部 and 市场监管总局's reform of vehicle inspection):

- ``exempt``: exempt from on-site inspection for 6 years, with an inspection sticker (检验标志) applied for
  every 2 years (years 2 and 4); on-site inspection (上线检验) in years 6 and 10, a sticker in year 8;
  after 10 years once a year, for good (the issue's reading of the reform: its old-car cycle of every
  6 months after 15 years is gone for these cars);
- ``excluded``: the cars the exemption leaves out (面包车 vans, and a car in a traffic accident with
  casualties; the facts' ``inspection_exempt_excluded``) keep the general schedule: on-site every 2
  years for 6 years, then yearly, after 15 years every 6 months.

An inspection is due by the end of the registration month in its year (the sticker shows the year and
month it is valid to), so ``due_on`` is that month's last day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.reminders import json_fields as read

MAX_AGE_MONTHS = 12 * 60
MAX_RULES = 40


class InspectionScheme(StrEnum):
    EXEMPT = "exempt"  # private small and mini passenger cars under the 2022 exemption
    EXCLUDED = "excluded"  # the cars the exemption leaves out: vans, a casualty accident


class InspectionKind(StrEnum):
    STICKER = "sticker"  # 申领检验标志: no on-site inspection, the sticker is applied for
    ON_SITE = "on_site"  # 上线检验 at an inspection station


@dataclass(frozen=True)
class InspectionRule:
    """Inspections at these ages (in months since registration): ``from_month``, then every
    ``every_months`` up to ``to_month`` (None: for good)."""

    scheme: InspectionScheme
    from_month: int
    to_month: int | None
    every_months: int
    kind: InspectionKind


@dataclass(frozen=True)
class Inspection:
    due_on: date
    kind: InspectionKind


_EX, _OUT = InspectionScheme.EXEMPT, InspectionScheme.EXCLUDED
_STICKER, _ON_SITE = InspectionKind.STICKER, InspectionKind.ON_SITE
DEFAULT_INSPECTION_RULES: tuple[InspectionRule, ...] = (
    InspectionRule(_EX, 24, 48, 24, _STICKER),  # years 2 and 4
    InspectionRule(_EX, 72, 72, 24, _ON_SITE),  # year 6
    InspectionRule(_EX, 96, 96, 24, _STICKER),  # year 8
    InspectionRule(_EX, 120, None, 12, _ON_SITE),  # year 10, then yearly (the 2022 rules: no half-years)
    InspectionRule(_OUT, 24, 72, 24, _ON_SITE),  # years 2, 4 and 6
    InspectionRule(_OUT, 84, 180, 12, _ON_SITE),  # years 7 to 15
    InspectionRule(_OUT, 186, None, 6, _ON_SITE),
)


def next_inspection(
    registered: date,
    excluded: bool,
    since: date,
    table: tuple[InspectionRule, ...] = DEFAULT_INSPECTION_RULES,
) -> Inspection | None:
    """The first inspection due on or after ``since`` of a car registered on ``registered``: by the
    ``excluded`` scheme's rows if the exemption leaves it out, else the ``exempt`` rows. None when the
    table has no more (a row ``to_month`` at the end)."""
    scheme = _OUT if excluded else _EX
    age = _months_between(registered, since)  # the age at ``since``, in whole months
    found: Inspection | None = None
    for rule in table:
        if rule.scheme != scheme:
            continue
        months = (
            rule.from_month + max(0, (age - rule.from_month) // rule.every_months - 1) * rule.every_months
        )
        while rule.to_month is None or months <= rule.to_month:
            due_on = _month_end(registered, months)
            if due_on >= since:
                if found is None or due_on < found.due_on:
                    found = Inspection(due_on, rule.kind)
                break
            months += rule.every_months
    return found


def inspection_rules_to_json(table: tuple[InspectionRule, ...]) -> list[dict[str, Any]]:
    return [
        {
            "scheme": rule.scheme.value,
            "from_month": rule.from_month,
            "to_month": rule.to_month,
            "every_months": rule.every_months,
            "kind": rule.kind.value,
        }
        for rule in table
    ]


def inspection_rules_from_json(data: Any) -> tuple[InspectionRule, ...]:
    """The table from its JSON list; a bad row is refused with its field named (``rules[2].to_month``)."""
    items = read.a_list(data, "rules", MAX_RULES)
    return tuple(_rule(item, f"rules[{i}]") for i, item in enumerate(items))


def _rule(data: Any, name: str) -> InspectionRule:
    data = read.an_object(data, name)
    keys = ("scheme", "from_month", "to_month", "every_months", "kind")
    read.only_known(data, keys, name + ".")
    for key in keys:
        if key not in data:
            raise ValidationError(f"{name}.{key}", N_("%(field)s is required."), field=f"{name}.{key}")
    from_month = read.an_int(data["from_month"], f"{name}.from_month", 1, MAX_AGE_MONTHS)
    to_month = read.an_optional_int(data["to_month"], f"{name}.to_month", from_month, MAX_AGE_MONTHS)
    return InspectionRule(
        read.a_choice(data["scheme"], f"{name}.scheme", InspectionScheme),
        from_month,
        to_month,
        read.an_int(data["every_months"], f"{name}.every_months", 1, 120),
        read.a_choice(data["kind"], f"{name}.kind", InspectionKind),
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, on the month's last day when it has fewer (31 January + 1: 28 or 29
    February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(registered: date, months: int) -> date:
    index = registered.month - 1 + months
    year, month = registered.year + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month
