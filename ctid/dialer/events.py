"""What the dialer tells the rest of the daemon, on the event bus: a campaign's call placed, and ended.

Why events and not calls: the console that pops a progressive call's card (the screen-pop layer) and the
live campaign page (the web) sit beside or above the dialer; the dialer must not know who listens. The
pops' layer cannot import this module (the same layer), so the web or ``ctid.app`` wires a listener that
turns these into console messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ctid.core.events import Event
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState


@dataclass(frozen=True, kw_only=True)
class CampaignCallPlaced(Event):
    """A campaign's attempt began: the line is dialling ``number`` for ``contact_id``.

    ``operator_id`` is the operator the call is for (progressive: the ready operator whose console pops the
    card as it rings out; preview: the operator who dialled), None for a broadcast.
    """

    campaign_id: int
    mode: CampaignMode
    contact_id: int
    attempt_id: int
    line: str
    call_id: str
    number: str
    operator_id: int | None
    customer_id: int | None
    reminder_item_id: int | None
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CampaignAttemptEnded(Event):
    """A campaign's attempt has its result (from the modem, a DTMF answer or the operator's wrap-up)."""

    campaign_id: int
    contact_id: int
    attempt_id: int
    line: str
    call_id: str | None
    operator_id: int | None
    result: AttemptResult
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CampaignChanged(Event):
    """A campaign was started, paused, resumed, stopped, finished or changed: the runner starts or ends its
    task (a campaign's state is a row; this tells the running daemon at once), the live page refreshes."""

    campaign_id: int
    state: CampaignState
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CampaignLineOut(Event):
    """A line failed again and again (no dial tone, a refused dial) and left the campaign: an alert for
    the live page (``ctid.dialer.line_health``); it comes back when the campaign is started again."""

    campaign_id: int
    line: str
    last_result: AttemptResult
    at: datetime
