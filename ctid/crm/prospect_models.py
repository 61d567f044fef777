"""Prospects (潜客): what they are, and the pure state machine of their status.

register -> review (审核, supervisors and admins) -> follow-up visits -> won (成交: becomes a customer) or
lost (战败, with a reason). The machine is a table of (status, action) -> status: anything not in the table is
refused, so no sequence of actions can reach a status the table does not name; won and lost are final.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ctid.core.errors import N_, Conflict, PermissionDenied
from ctid.core.paging import PageRequest


class ProspectStatus(StrEnum):
    REGISTERED = "registered"  # 登记
    REVIEWED = "reviewed"  # 已审核
    FOLLOWING = "following"  # 跟进中
    WON = "won"  # 成交
    LOST = "lost"  # 战败


class ProspectAction(StrEnum):
    REVIEW = "review"
    VISIT = "visit"
    WIN = "win"
    LOSE = "lose"


class OptionKind(StrEnum):
    """The dealer's base data: each a list admins edit."""

    LEVEL = "level"
    SOURCE = "source"
    COMPETITOR_MODEL = "competitor_model"
    INDUSTRY = "industry"
    FOCUS_POINT = "focus_point"
    DESIRED_MODEL = "desired_model"
    LOST_REASON = "lost_reason"
    FOLLOW_UP_CATEGORY = "follow_up_category"


_S, _A = ProspectStatus, ProspectAction
TRANSITIONS: dict[tuple[ProspectStatus, ProspectAction], ProspectStatus] = {
    (_S.REGISTERED, _A.REVIEW): _S.REVIEWED,
    (_S.REGISTERED, _A.LOSE): _S.LOST,  # a duplicate or a wrong number, seen at review
    (_S.REVIEWED, _A.VISIT): _S.FOLLOWING,
    (_S.REVIEWED, _A.WIN): _S.WON,
    (_S.REVIEWED, _A.LOSE): _S.LOST,
    (_S.FOLLOWING, _A.VISIT): _S.FOLLOWING,
    (_S.FOLLOWING, _A.WIN): _S.WON,
    (_S.FOLLOWING, _A.LOSE): _S.LOST,
}
FINAL = frozenset({_S.WON, _S.LOST})


def allowed_actions(status: ProspectStatus, may_review: bool) -> tuple[ProspectAction, ...]:
    """What the user may do next with a prospect in ``status``."""
    return tuple(
        action
        for (source, action) in TRANSITIONS
        if source == status and (action != ProspectAction.REVIEW or may_review)
    )


def next_status(status: ProspectStatus, action: ProspectAction, may_review: bool) -> ProspectStatus:
    """The status after ``action``; PermissionDenied for a review by someone who may not review,
    Conflict for a move the table does not have (a visit before the review, anything after won / lost)."""
    if action == ProspectAction.REVIEW and not may_review:
        raise PermissionDenied(N_("Only supervisors and admins review prospects."))
    found = TRANSITIONS.get((status, action))
    if found is None:
        raise Conflict(
            N_("A prospect that is %(status)s cannot be given the action %(action)s."),
            status=status.value,
            action=action.value,
        )
    return found


@dataclass(frozen=True)
class Prospect:
    id: int
    branch_id: int
    name: str
    phone: str  # as given
    phone_e164: str | None
    level: str
    source: str
    industry: str
    desired_model: str
    competitor_model: str
    focus_points: tuple[str, ...]
    status: ProspectStatus
    lost_reason: str
    assigned_user_id: int | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    customer_id: int | None
    notes: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ProspectVisit:
    id: int
    prospect_id: int
    at: datetime
    channel: str
    content: str
    next_on: date | None
    user_id: int | None


@dataclass(frozen=True)
class CrmOption:
    id: int
    kind: OptionKind
    value: str
    position: int
    active: bool


@dataclass(frozen=True)
class ProspectFilter:
    branch_id: int | None = None
    status: ProspectStatus | None = None
    assigned_user_id: int | None = None
    source: str = ""
    industry: str = ""
    page: PageRequest = field(default_factory=PageRequest)
