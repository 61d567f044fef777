"""What an import will do with each checked row under the dealer's merge choice: a pure decision, so the dry
run shows exactly what the import then writes.

``skip`` leaves the CRM alone: a row that shares a phone, plate or VIN with it is skipped (and so are later
rows of the same customer or vehicle). ``update`` writes the row into the customer and vehicle it matches
(the given cells fill or overwrite; blank cells leave values alone). ``create`` adds every row as a new
customer, which is refused for a plate or VIN the CRM already has: those are unique.

Rows of the file that are one customer or one vehicle (see ``duplicates``) share a target: the database
layer creates it at its first row and uses it at the later ones. A plan with errors is not to be written:
an import lands whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ctid.core.errors import N_
from ctid.crm.imports.errors import RowError
from ctid.crm.imports.report import CheckedRow, KeyKind, Report

_SEVERAL_CUSTOMERS = N_(
    "The phone numbers are those of %(count)d customers in the CRM (ids %(ids)s): this row cannot update all "
    "of them."
)
_PARTLY_MATCHED = N_(
    "Row %(row)d is the same customer, but only this row matches customer %(id)d in the CRM: give both rows "
    "the same phone numbers."
)
_CLAIMED_TWICE = N_(
    "Row %(row)d and this row are different customers but both match customer %(id)d in the CRM."
)
_PLATE_TAKEN = N_(
    "The plate is already in the CRM and plates are unique in a branch: import this row with “update” or "
    "“skip”."
)
_VIN_TAKEN = N_("The VIN is already in the CRM and VINs are unique: import this row with “update” or “skip”.")
_VEHICLE_PARTLY_MATCHED = N_(
    "Row %(row)d is the same vehicle, but only this row matches a vehicle in the CRM."
)


class MergeChoice(StrEnum):
    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"


class Action(StrEnum):
    CREATE = "create"  # only new customers and vehicles
    UPDATE = "update"  # writes into a customer or vehicle already in the CRM


@dataclass(frozen=True, slots=True)
class Existing:
    """A customer or vehicle in the CRM, by id."""

    id: int


@dataclass(frozen=True, slots=True)
class New:
    """A customer or vehicle created by the step of row ``row`` (this row's, or an earlier one's)."""

    row: int


Target = Existing | New


@dataclass(frozen=True, slots=True)
class Step:
    """One row to write: its customer, and its vehicle (None: the row has none), linked in the row's role."""

    row: CheckedRow
    customer: Target
    vehicle: Target | None

    @property
    def action(self) -> Action:
        touches_crm = isinstance(self.customer, Existing) or isinstance(self.vehicle, Existing)
        return Action.UPDATE if touches_crm else Action.CREATE


@dataclass(frozen=True)
class ImportPlan:
    """Rows to write (``steps``, in file order), rows skipped, and errors (the report's and the plan's)."""

    choice: MergeChoice
    steps: tuple[Step, ...]
    skipped: tuple[CheckedRow, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        """Whether the plan may be written: no error anywhere."""
        return not self.errors

    @property
    def create(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.action is Action.CREATE)

    @property
    def update(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.action is Action.UPDATE)


def plan(report: Report, choice: MergeChoice) -> ImportPlan:
    """Decide every row of ``report`` under ``choice``."""
    planner = _Planner(report, choice)
    for row in report.rows:
        planner.add(row)
    errors = sorted((*report.errors, *planner.errors), key=lambda error: error.row)
    return ImportPlan(choice, tuple(planner.steps), tuple(planner.skipped), tuple(errors))


class _Planner:
    def __init__(self, report: Report, choice: MergeChoice) -> None:
        self.choice = choice
        self.header_of = report.mapping.header_of
        self.steps: list[Step] = []
        self.skipped: list[CheckedRow] = []
        self.errors: list[RowError] = []
        self._customers: dict[int, Target | None] = {}  # row -> its customer's target (None: skipped)
        self._vehicles: dict[int, Target | None] = {}
        self._claimed: dict[int, int] = {}  # existing customer id -> first row of the file's customer

    def add(self, row: CheckedRow) -> None:
        if self.choice is MergeChoice.SKIP and self._skips(row):
            self._customers[row.number] = self._vehicles[row.number] = None
            self.skipped.append(row)
            return
        customer, vehicle = self._customer(row), self._vehicle(row)
        if isinstance(customer, RowError) or isinstance(vehicle, RowError):
            self.errors += [item for item in (customer, vehicle) if isinstance(item, RowError)]
            return
        self._customers[row.number], self._vehicles[row.number] = customer, vehicle
        self.steps.append(Step(row, customer, vehicle))

    def _skips(self, row: CheckedRow) -> bool:
        """Matched in the CRM, or one customer or vehicle with a row that was skipped."""
        return (
            bool(row.matches)
            or _was_skipped(self._customers, row.same_customer_as)
            or _was_skipped(self._vehicles, row.same_vehicle_as)
        )

    def _customer(self, row: CheckedRow) -> Target | RowError:
        earlier = self._earlier(self._customers, row.same_customer_as)
        own = row.existing_customers if self.choice is MergeChoice.UPDATE else ()
        if len(own) > 1:
            return self._error(row, "phone", _SEVERAL_CUSTOMERS, count=len(own), ids=", ".join(map(str, own)))
        if not own:
            return earlier or New(row.number)
        target = Existing(own[0])
        if earlier is not None and earlier != target:
            return self._error(row, "phone", _PARTLY_MATCHED, row=row.same_customer_as or 0, id=target.id)
        first = self._claimed.setdefault(target.id, row.same_customer_as or row.number)
        if first != (row.same_customer_as or row.number):
            return self._error(row, "phone", _CLAIMED_TWICE, row=first, id=target.id)
        return target

    def _vehicle(self, row: CheckedRow) -> Target | RowError | None:
        if row.record.vehicle is None:
            return None
        earlier = self._earlier(self._vehicles, row.same_vehicle_as)
        existing = row.existing_vehicle
        if existing is None:
            return earlier or New(row.number)
        if self.choice is MergeChoice.CREATE:
            by_plate = any(match.key is KeyKind.PLATE for match in row.matches)
            return (
                self._error(row, "plate", _PLATE_TAKEN) if by_plate else self._error(row, "vin", _VIN_TAKEN)
            )
        target = Existing(existing)
        if earlier is not None and earlier != target:
            return self._error(row, "plate", _VEHICLE_PARTLY_MATCHED, row=row.same_vehicle_as or 0)
        return target

    @staticmethod
    def _earlier(targets: dict[int, Target | None], ref: int | None) -> Target | None:
        """The target of the earlier row that is the same customer or vehicle (None if there is none)."""
        return None if ref is None else targets.get(ref) or New(ref)

    def _error(self, row: CheckedRow, field: str, reason: str, /, **params: str | int) -> RowError:
        value = row.record.value(field)
        shown = (
            ", ".join(phone.number for phone in row.record.phones) if field == "phone" else str(value or "")
        )
        return RowError(row.number, self.header_of(field), field, shown, reason, tuple(params.items()))


def _was_skipped(targets: dict[int, Target | None], ref: int | None) -> bool:
    return ref is not None and ref in targets and targets[ref] is None
