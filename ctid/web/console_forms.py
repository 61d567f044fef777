"""Parsing the console API's JSON bodies that are more than one field (ctid.web.forms' parsers underneath).

Fuzzed by tests/web/test_console_forms.py: whatever JSON arrives, typed values or a ValidationError
naming a field, never a 500.
"""

from __future__ import annotations

from ctid.screenpop.console import AddNumber
from ctid.web import forms
from ctid.web.forms import Input

CUSTOMER_LINK = ("customer_id", "add_number", "confirm_shared_phone")


def customer_link(data: Input) -> tuple[int, AddNumber | None]:
    """``PUT /api/v1/calls/{id}/customer``: the customer, and whether the call's number joins their phones
    (``add_number``; ``confirm_shared_phone`` the user's yes to a number another customer has, which
    means nothing without it)."""
    forms.known(data, CUSTOMER_LINK)
    customer_id = forms.integer(data, "customer_id", 1, forms.MAX_ID)
    add_number = forms.flag(data, "add_number")
    confirmed = forms.flag(data, "confirm_shared_phone")
    return customer_id, AddNumber(confirmed) if add_number else None
