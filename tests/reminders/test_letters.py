"""Letters from the queue (pure): one letter a contact, each line in the type's template's words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from ctid.reminders.item_models import ReminderItem
from ctid.reminders.letters import letters, on_paper, template_key, written_date
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
    templates = {"insurance": "您的爱车{plate}的保险将于{due_date}到期，{customer}请联系{shop}。"}
    [letter] = letters([_item(1, 7, ReminderType.INSURANCE, "k")], {}, DEFAULT_SETTINGS, templates, "本店")
    assert letter.lines[0].text == "您的爱车粤A12345的保险将于2027年1月6日到期，客户7请联系本店。"
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


def test_an_sms_template_on_paper_loses_its_salutation_and_opt_out() -> None:
    """The letter greets once ("尊敬的张伟：" above its lines); "回复TD退订" means nothing in the post."""
    sms = "尊敬的{customer}：您的爱车{plate}的保险将于{due_date}到期，如需办理请联系{shop}。回复TD退订"
    assert on_paper(sms) == "您的爱车{plate}的保险将于{due_date}到期，如需办理请联系{shop}。"
    assert on_paper("{customer}您好，{shop}祝您生日快乐！退订回T") == "{shop}祝您生日快乐！"
    assert on_paper("亲爱的{customer}，欢迎回来。回T退订") == "欢迎回来。"
    kept = "您的爱车{plate}将于{due_date}到期保养，{customer}可来电预约。"
    assert on_paper(kept) == kept, "a name inside a sentence is no salutation"
    items = [_item(1, 7, ReminderType.INSURANCE, "k"), _item(2, 7, ReminderType.INSPECTION, "k")]
    templates = {
        "insurance": sms,
        "inspection": "尊敬的{customer}：{plate}年审将于{due_date}到期。回复TD退订",
    }
    [letter] = letters(items, {}, DEFAULT_SETTINGS, templates, "本店")
    assert [line.text for line in letter.lines] == [
        "您的爱车粤A12345的保险将于2027年1月6日到期，如需办理请联系本店。",
        "粤A12345年审将于2027年1月6日到期。",
    ]


def test_a_letter_template_is_printed_as_written() -> None:
    insurance = DEFAULT_SETTINGS[ReminderType.INSURANCE]
    own = replace(insurance, templates=MappingProxyType({Channel.LETTER: "ins_letter"}))
    settings = {**DEFAULT_SETTINGS, ReminderType.INSURANCE: own}
    templates = {"ins_letter": "尊敬的{customer}：保险{due_date}到期。回复TD退订"}
    [letter] = letters([_item(1, 7, ReminderType.INSURANCE, "k")], {}, settings, templates, "本店")
    assert letter.lines[0].text == "尊敬的客户7：保险2027年1月6日到期。回复TD退订"


@given(st.text(max_size=80))
def test_on_paper_only_trims_the_ends(sms: str) -> None:
    """Whatever an admin wrote: never an error, and only its two ends cut (nothing in between changes)."""
    assert on_paper(sms) in sms
