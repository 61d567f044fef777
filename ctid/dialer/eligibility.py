"""Why a contact is not being dialled now, or None when it may be: one pure function that the runner asks
before each dial and the live campaign page asks for any contact, so the two never disagree and a campaign
never "silently dials nobody" (the commonest complaint about other dialers' empty hoppers).

The reasons are checked in a fixed order, the contact's own first (done, out of attempts, in flight,
waiting), then whom it may not call (do-not-call, opted out, contacted lately), then the campaign's
(running, calling hours), then the resources (a free line, a ready operator). The first that holds is
the answer: the one a person can act on soonest comes last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ctid.dialer.hours import CallingHours, KindOf, closed_at
from ctid.dialer.models import CampaignMode, CampaignState, ContactStatus, WhyNot


@dataclass(frozen=True)
class ContactView:
    """A campaign contact as the decisions see it (the store fills it; the checks at dial time fill the
    do-not-call, opt-out and contacted flags from the lists as they are then)."""

    status: ContactStatus
    attempts: int
    next_try_at: datetime | None  # a retry's or a call back's time
    has_number: bool = True
    call_back: bool = False  # next_try_at is a call back someone asked for
    do_not_call: bool = False  # the global list, or excluded from this campaign
    opted_out: bool = False
    contacted_recently: bool = False


@dataclass(frozen=True)
class CampaignView:
    state: CampaignState
    mode: CampaignMode
    max_attempts: int
    hours: CallingHours


@dataclass(frozen=True)
class Resources:
    free_lines: int
    ready_operators: int  # for preview and progressive; a broadcast needs none


def why_not(
    contact: ContactView,
    campaign: CampaignView,
    local_now: datetime,
    kind_of: KindOf,
    resources: Resources | None = None,
) -> WhyNot | None:
    """``local_now`` is the site's wall clock (calling hours are the site's). ``resources`` None: the
    contact's and the campaign's reasons only (a page listing contacts asks so)."""
    own = _own(contact, campaign, local_now)
    if own is not None:
        return own
    if campaign.state != CampaignState.RUNNING:
        return WhyNot.CAMPAIGN_NOT_RUNNING
    if (closed := closed_at(local_now, campaign.hours, kind_of)) is not None:
        return closed
    if resources is None:
        return None
    if resources.free_lines < 1:
        return WhyNot.NO_FREE_LINE
    if campaign.mode != CampaignMode.BROADCAST and resources.ready_operators < 1:
        return WhyNot.NO_READY_OPERATOR
    return None


def _own(contact: ContactView, campaign: CampaignView, local_now: datetime) -> WhyNot | None:
    if contact.status == ContactStatus.EXCLUDED:
        return WhyNot.DO_NOT_CALL  # taken out of this campaign by a person: its own do-not-call list
    if contact.status == ContactStatus.DONE:
        return WhyNot.DONE
    if contact.status == ContactStatus.DIALLING:
        return WhyNot.IN_FLIGHT
    if contact.attempts >= campaign.max_attempts and not contact.call_back:
        return WhyNot.MAX_ATTEMPTS
    if not contact.has_number:
        return WhyNot.NO_NUMBER
    if contact.do_not_call:
        return WhyNot.DO_NOT_CALL
    if contact.opted_out:
        return WhyNot.OPTED_OUT
    if contact.contacted_recently:
        return WhyNot.CONTACTED_RECENTLY
    if contact.next_try_at is not None and contact.next_try_at > local_now:
        return WhyNot.CALL_BACK_LATER if contact.call_back else WhyNot.WAITING_RETRY
    return None
