"""The dialer's records as its store reads them: a campaign, a contact of it, an attempt at one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ctid.dialer.campaign_settings import CampaignSettings
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState, ContactStatus


@dataclass(frozen=True)
class Campaign:
    id: int
    branch_id: int
    name: str
    mode: CampaignMode
    state: CampaignState
    priority: int
    settings: CampaignSettings
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class Contact:
    id: int
    campaign_id: int
    customer_id: int | None
    number_e164: str | None
    reminder_item_id: int | None
    status: ContactStatus
    attempts: int
    next_try_at: datetime
    call_back: bool
    call_back_user_id: int | None
    last_result: AttemptResult | None
    reason: str
    updated_at: datetime
    held_by: int | None = None  # the operator a preview card is shown to (ctid.dialer.desk)
    held_until: datetime | None = None


@dataclass(frozen=True)
class Attempt:
    id: int
    campaign_id: int
    contact_id: int
    number_e164: str
    line: str
    operator_id: int | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    result: AttemptResult | None
    dtmf: str
    call_id: str | None
    note: str
