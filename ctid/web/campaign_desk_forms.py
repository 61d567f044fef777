"""Parsing the bodies of an operator's campaign desk (ctid.web.views.campaign_desk): the line a card is
dialled on, a skip's reason, an attempt's result from the wrap-up list. Pure: clean values or a
ValidationError naming the field. Fuzzed by tests/web/test_fuzz_api.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ctid.web import forms
from ctid.web.forms import Input
from ctid.web.reminder_forms import moment

DIAL = ("line",)
SKIP = ("reason",)
RESULT = ("result", "note", "call_back_at", "for_anyone")
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class GivenResult:
    """An operator's result for an attempt: ``result`` as sent (the runner checks it is one an operator may
    give), a note, and for a call back its time and whether anyone may make it (else: the one who set it)."""

    result: str
    note: str
    call_back_at: datetime | None
    for_anyone: bool


def dial_line(data: Input) -> str:
    """``{"line": "desk"}``: the operator's line to dial the card on."""
    forms.known(data, DIAL)
    return forms.text(data, "line", 40, required=True)


def skip_reason(data: Input) -> str:
    """``{"reason": "客户在店里"}``: why the card is skipped (required)."""
    forms.known(data, SKIP)
    return forms.text(data, "reason", 200, required=True)


def given_result(data: Input, zone: ZoneInfo) -> GivenResult:
    """``{"result", "note"?, "call_back_at"? (site time, or with an offset), "for_anyone"?}``."""
    forms.known(data, RESULT)
    return GivenResult(
        result=forms.text(data, "result", 20, required=True),
        note=forms.multiline(data, "note", NOTE_LIMIT),
        call_back_at=moment(data, "call_back_at", zone),
        for_anyone=forms.flag(data, "for_anyone"),
    )
