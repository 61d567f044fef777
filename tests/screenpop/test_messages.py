"""The websocket message contract (docs/api.md, "Websocket"), built without a socket."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from ctid.crm.models import (
    CustomerCard,
    CustomerKind,
    DueReminder,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Phone,
    ReminderKind,
    Vehicle,
    VehicleRole,
    VehicleStatus,
    Visit,
    VisitStatus,
)
from ctid.screenpop import messages

CALL = messages.PopCall("c1", "front", "前台", "inbound", datetime(2026, 3, 22, 6, 5, tzinfo=UTC))
CARD = CustomerCard(
    id=7,
    name="张伟",
    kind=CustomerKind.PERSON,
    branch_id=1,
    gender=None,
    level="VIP",
    birthday=date(1980, 3, 25),
    notes="",
    phones=(Phone("138 0013 8000", "+8613800138000", "手机"),),
    vehicles=(
        Vehicle(
            3,
            "粤A12345",
            None,
            "大众",
            "朗逸",
            "白",
            (VehicleRole.OWNER, VehicleRole.DRIVER),
            VehicleStatus.ACTIVE,
            52_000,
            date(2026, 4, 1),
            None,
            date(2026, 3, 17),
        ),
    ),
    last_visits=(
        Visit(
            9,
            3,
            "粤A12345",
            date(2026, 1, 5),
            50_000,
            "常规保养、洗车",
            Decimal("688.50"),
            "李工",
            VisitStatus.COMPLETED,
        ),
    ),
    open_follow_ups=(
        FollowUp(
            4,
            FollowUpKind.COMPLAINT,
            "维修价格",
            "电话",
            "报价太高",
            FollowUpStatus.OPEN,
            date(2026, 3, 30),
            datetime(2026, 3, 1, tzinfo=UTC),
        ),
    ),
    due_reminders=(DueReminder(ReminderKind.INSURANCE, date(2026, 4, 1), "粤A12345"),),
)


def test_identified_with_a_card_is_json_and_follows_the_contract() -> None:
    call = CALL.with_caller("13800138000", "+8613800138000", None, None)
    message = json.loads(json.dumps(messages.identified(call, messages.card_json(CARD, []), [])))
    assert message["type"] == "call.identified" and message["lookup"] == "done"
    assert set(message["call"]) == {
        "id",
        "line",
        "line_label",
        "direction",
        "number",
        "number_e164",
        "name",
        "reason",
        "started_at",
    }
    customer = message["customer"]
    assert customer["vehicles"][0]["roles"] == ["owner", "driver"]
    assert customer["vehicles"][0]["insurance_expiry"] == "2026-04-01"
    assert customer["last_visits"][0] == {
        "visited_on": "2026-01-05",
        "plate": "粤A12345",
        "mileage_km": 50_000,
        "summary": "常规保养、洗车",
        "amount": "688.50",
        "advisor": "李工",
    }
    assert customer["open_follow_ups"][0]["kind"] == "complaint"
    assert customer["due_reminders"] == [{"kind": "insurance", "due_on": "2026-04-01", "plate": "粤A12345"}]
    assert customer["about"] == "insurance"  # the card's dial buttons send it (the soonest due reminder's)
    assert customer["birthday_lunar"] is None


def test_a_lunar_birthday_is_on_the_card_as_a_calendar_writes_it() -> None:
    lunar = replace(CARD, birthday=date(1990, 10, 3), birthday_lunar=True)
    assert messages.card_json(lunar, [])["birthday_lunar"] == "八月十五"
    assert messages.card_json(replace(lunar, birthday_lunar=False), [])["birthday_lunar"] is None


def test_every_message_has_a_type_and_the_call() -> None:
    built = [
        messages.ringing(CALL),
        messages.identified(CALL, None, [], lookup="pending"),
        messages.updated(CALL, lookup="failed"),
        messages.answered(CALL),
        messages.ended(CALL, "missed", 12.345),
    ]
    assert [m["type"] for m in built] == [
        "call.ringing",
        "call.identified",
        "call.updated",
        "call.answered",
        "call.ended",
    ]
    assert all(m["call"]["id"] == "c1" for m in built)
    assert built[-1]["duration_s"] == 12.3
    assert messages.line_status("front", "前台", "down", "unplugged")["line"]["status"] == "down"


def test_call_waiting_names_the_call_and_the_waiting_caller() -> None:
    at = datetime(2026, 3, 22, 6, 5, tzinfo=UTC)
    caller = messages.waiting_caller("02088881234", "+862088881234", "李四", None, at)
    message = messages.waiting(CALL, caller)
    assert message == {
        "type": "call.waiting",
        "call": messages.call_json(CALL),
        "waiting": {
            "number": "02088881234",
            "number_e164": "+862088881234",
            "name": "李四",
            "reason": None,
            "at": "2026-03-22T06:05:00+00:00",
        },
    }


def test_a_dialled_call_pops_as_call_dialing_with_the_card_s_fields() -> None:
    out = replace(CALL, direction="outbound", dialled_by=7)
    dialing = messages.popped(out, None, [], lookup="pending")
    assert dialing["type"] == "call.dialing"
    assert set(dialing) == set(messages.identified(CALL, None, [])) and "dialled_by" not in dialing["call"]
    assert messages.popped(CALL, None, [])["type"] == "call.identified"
    assert messages.connected(out) == {"type": "call.connected", "call": messages.call_json(out)}
