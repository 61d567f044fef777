"""JSON shapes of prospects, their visits, the base data and announcements (see docs/api.md)."""

from __future__ import annotations

from dataclasses import asdict

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.crm.prospect_models import CrmOption, Prospect, ProspectVisit, allowed_actions
from ctid.home.models import Announcement
from ctid.web.crm_json import Json
from ctid.web.json import jsonable


def prospect_json(prospect: Prospect, user: User) -> Json:
    body: Json = jsonable(asdict(prospect))
    body["focus_points"] = list(prospect.focus_points)
    may_review = allows(user, Permission.CRM_MANAGE)
    body["actions"] = [a.value for a in allowed_actions(prospect.status, may_review)]
    return body


def visit_json(visit: ProspectVisit) -> Json:
    return dict(jsonable(asdict(visit)))


def option_json(option: CrmOption) -> Json:
    return dict(jsonable(asdict(option)))


def announcement_json(announcement: Announcement) -> Json:
    return dict(jsonable(asdict(announcement)))
