"""Letters from the queue (pure): one letter a contact, each line in the type's template's words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import MappingProxyType

from ctid.reminders.item_models import ReminderItem
from ctid.reminders.letters import letters, template_key, written_date
from ctid.reminders.models import Channel, ItemStatus, ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS

AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _item(
    item_id: int, customer_id: int, type: ReminderType, key: str, plate: str | None = "粤A12345"
) -> ReminderItem:
    return ReminderItem(
        id=item_id, branch_id=1, customer_id=customer_id, customer_name=f"客户{customer_id}", vehicle_id=None,
        plate=plate, type=type, rule_id=None, subject=f"customer:{customer_id}", due_on=date(2027, 1, 6),
        step=0, contact_on=date(2026, 12, 7), expires_on=date(2027, 2, 5), contact_key=key,
        channel=Channel.LETTER, status=ItemStatus.OPEN, assignee_id=None, outcome=None, note="",
        snoozed_until=None, call_back_at=None, attempts=0, appointment_id=None, created_at=AT, updated_at=AT,
    )  # fmt: skip


def test_a_customers_items_of_one_contact_are_one_letter_in_order() -> None:
    items = [
        _item(1, 7, ReminderType.INSURANCE, "7:a"),
        _item(2, 8, ReminderType.BIRTHDAY, "8:a", plate=None),
        _item(3, 7, ReminderType.INSPECTION, "7:a"),
    ]
    found = letters(items, {7: "广州市天河路1号"}, DEFAULT_SETTINGS, {}, "本店")
    assert [(letter.customer_id, letter.item_ids) for letter in found] == [(7, (1, 3)), (8, (2,))]
    assert found[0].address == "广州市天河路1号" and found[1].address == ""


def test_each_line_is_its_types_template_filled_in_and_none_without_one() -> None:
    templates = {"insurance": "{customer}您好，您的爱车{plate}的保险将于{due_date}到期。{shop}"}
    [letter] = letters([_item(1, 7, ReminderType.INSURANCE, "k")], {}, DEFAULT_SETTINGS, templates, "本店")
    assert letter.lines[0].text == "客户7您好，您的爱车粤A12345的保险将于2027年1月6日到期。本店"
    [bare] = letters([_item(1, 7, ReminderType.INSURANCE, "k")], {}, DEFAULT_SETTINGS, {}, "本店")
    assert bare.lines[0].text is None


def test_a_template_needing_what_a_letter_lacks_gives_the_pages_own_line() -> None:
    templates = {"insurance": "请于{appointment_time}到店"}
    [letter] = letters([_item(1, 7, ReminderType.INSURANCE, "k")], {}, DEFAULT_SETTINGS, templates, "本店")
    assert letter.lines[0].text is None, "never a letter reading {appointment_time}"


def test_a_letter_template_wins_over_the_sms_one() -> None:
    insurance = DEFAULT_SETTINGS[ReminderType.INSURANCE]
    assert template_key(insurance) == "insurance"
    own = replace(
        insurance, templates=MappingProxyType({Channel.SMS: "insurance", Channel.LETTER: "ins_letter"})
    )
    assert template_key(own) == "ins_letter"
    none = replace(insurance, templates=MappingProxyType({}))
    assert template_key(none) is None


def test_dates_are_written_as_a_chinese_letter_writes_them() -> None:
    assert written_date(date(2027, 1, 6)) == "2027年1月6日"
    assert written_date(date(2026, 12, 31)) == "2026年12月31日"
