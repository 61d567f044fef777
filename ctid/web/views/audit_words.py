"""The audit log in the reader's words: what was done (``user.login`` is 登录), to what kind of record, and
which fields changed.

The log stores codes, so that it reads the same whatever language wrote it and filters stay stable; the
page shows the words. A code without words here (one added later) is shown as stored, never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aiohttp import web

from ctid.core.errors import N_
from ctid.web.render import _
from ctid.web.views.crm_pages import FIELD_LABELS as CUSTOMER_FIELDS
from ctid.web.views.form_errors import FIELD_LABELS as FORM_FIELDS

ACTIONS: Mapping[str, str] = {
    "user.login": N_("Logged in"),
    "user.logout": N_("Logged out"),
    "user.create": N_("User added"),
    "user.update": N_("User changed"),
    "user.password": N_("Password changed"),
    "user.lines": N_("Console lines changed"),
    "token.create": N_("API token created"),
    "token.revoke": N_("API token revoked"),
    "branch.create": N_("Branch added"),
    "branch.update": N_("Branch changed"),
    "announcement.create": N_("Announcement posted"),
    "announcement.delete": N_("Announcement deleted"),
    "customer.create": N_("Customer added"),
    "customer.update": N_("Customer changed"),
    "customer.opt_outs": N_("Opt-outs changed"),
    "customer.import": N_("Customers imported"),
    "vehicle.create": N_("Vehicle added"),
    "vehicle.update": N_("Vehicle changed"),
    "vehicle.mileage": N_("Mileage recorded"),
    "vehicle.import": N_("Vehicles imported"),
    "visit.create": N_("Visit added"),
    "visit.update": N_("Visit changed"),
    "visit.close": N_("Visit closed"),
    "follow_up.create": N_("Follow-up filed"),
    "follow_up.update": N_("Follow-up changed"),
    "prospect.create": N_("Prospect registered"),
    "prospect.update": N_("Prospect changed"),
    "prospect.review": N_("Prospect reviewed"),
    "prospect.visit": N_("Prospect visit added"),
    "prospect.won": N_("Prospect won"),
    "prospect.lost": N_("Prospect lost"),
    "crm.import": N_("CRM import"),
    "crm.seed_demo": N_("Demo data added"),
    "crm_option.create": N_("Base data value added"),
    "crm_option.update": N_("Base data value changed"),
    "catalogue.create": N_("Service item added"),
    "catalogue.update": N_("Service item changed"),
    "call.note": N_("Call note saved"),
    "call.customer": N_("Call linked to a customer"),
    "recording.delete": N_("Recording deleted"),
    "recording.note": N_("Recording note saved"),
    "recording.tags": N_("Recording tags changed"),
}

KINDS: Mapping[str, str] = {
    "user": N_("User"),
    "api_token": N_("API token"),
    "branch": N_("Branch"),
    "announcement": N_("Announcement"),
    "customer": N_("Customer"),
    "vehicle": N_("Vehicle"),
    "visit": N_("Visit"),
    "follow_up": N_("Follow-up"),
    "prospect": N_("Prospect"),
    "crm_option": N_("Base data"),
    "catalogue_item": N_("Service item"),
    "call": N_("Call"),
    "recording": N_("Recording"),
}

FIELDS: Mapping[str, str] = {
    **FORM_FIELDS,
    **CUSTOMER_FIELDS,
    "active": N_("Active"),
    "lines": N_("Lines"),
    "plate": N_("Plate"),
    "vin": N_("VIN"),
    "brand": N_("Brand"),
    "model": N_("Model"),
    "status": N_("Status"),
    "note": N_("Note"),
}


def audit_words(request: web.Request, codes: Iterable[str]) -> dict[str, str]:
    """Every action, kind and field code in ``codes`` that has words, in the reader's language."""
    table = {**FIELDS, **KINDS, **ACTIONS}
    return {code: _(request, table[code]) for code in set(codes) if code in table}
