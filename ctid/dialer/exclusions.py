"""A campaign's own exclusions: a contact, or a number, taken out of one campaign by a supervisor with a
reason (the customer asked this campaign not to call, a number known wrong for it), and let back in.

The global do-not-call list (``ctid.calls.dnc``) is for numbers no campaign may call; the customers'
opt-outs are per contact type. An exclusion is the third list the issue names: this campaign only. It is
the contact's status (``excluded``, with the reason kept), which the runner and the live page read as they
read every contact's: an excluded contact is never due, and its "why not" is the do-not-call reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, ValidationError
from ctid.core.events import EventBus
from ctid.core.phone import PhoneNormaliser
from ctid.crm import scope
from ctid.dialer import exclusion_store
from ctid.dialer.events import CampaignChanged
from ctid.dialer.lookup import campaign_contact, visible_campaign
from ctid.dialer.models import CampaignState
from ctid.dialer.records import Campaign
from ctid.storage.db import Database

REASON_LIMIT = 200
ENDED = frozenset({CampaignState.STOPPED, CampaignState.FINISHED})


class Exclusions:
    def __init__(
        self,
        db: Database,
        normaliser: PhoneNormaliser,
        bus: EventBus,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._normaliser = normaliser
        self._bus = bus
        self._clock = clock

    async def exclude_contact(
        self, actor: Actor, user: User, campaign_id: int, contact_id: int, reason: str
    ) -> None:
        """The contact is called no more in this campaign (a call in flight ends as it would; no retry
        follows). 409 for a contact already done or excluded."""
        why = _reason(reason)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            campaign = await _managed(conn, user, campaign_id)
            contact = await campaign_contact(conn, campaign_id, contact_id)
            if not await exclusion_store.exclude(conn, campaign_id, why, now, contact_id=contact_id):
                raise Conflict(N_("This contact is done or taken out of the campaign already."))
            before, after = {"status": contact.status.value}, {"status": "excluded", "reason": why}
            target = ("campaign_contact", contact_id)
            await audit.record(conn, actor, "campaign.exclude", target, now, before, after)
        self._changed(campaign, now)

    async def exclude_number(self, actor: Actor, user: User, campaign_id: int, raw: str, reason: str) -> int:
        """Every contact of the campaign at this number still to call is excluded; how many (0: none was,
        which the answer says, not an error)."""
        why = _reason(reason)
        number = self._normaliser.normalise(raw)
        if number.e164 is None:
            raise ValidationError("number", N_("%(number)s is not a phone number."), number=raw)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            campaign = await _managed(conn, user, campaign_id)
            ids = await exclusion_store.exclude(conn, campaign_id, why, now, number_e164=number.e164)
            after = {"number": number.e164, "reason": why, "contacts": ids}
            await audit.record(conn, actor, "campaign.exclude_number", ("campaign", campaign_id), now,
                               after=after)  # fmt: skip
        self._changed(campaign, now)
        return len(ids)

    async def include_contact(self, actor: Actor, user: User, campaign_id: int, contact_id: int) -> None:
        """An excluded contact is back in the campaign, due now (its attempts as they were). Not in a
        campaign that has ended: a finished one is not started again behind the supervisor's back."""
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            campaign = await _managed(conn, user, campaign_id)
            contact = await campaign_contact(conn, campaign_id, contact_id)
            if campaign.state in ENDED:
                raise Conflict(N_("This campaign has ended: its contacts cannot be let back in."))
            if not await exclusion_store.include(conn, contact_id, now):
                raise Conflict(N_("Only an excluded contact can be let back in."))
            before, after = {"status": "excluded", "reason": contact.reason}, {"status": "pending"}
            target = ("campaign_contact", contact_id)
            await audit.record(conn, actor, "campaign.include", target, now, before, after)
        self._changed(campaign, now)

    def _changed(self, campaign: Campaign, at: datetime) -> None:
        """The runner looks again (a contact back in is due now)."""
        self._bus.publish(CampaignChanged(campaign_id=campaign.id, state=campaign.state, at=at))


def _reason(reason: str) -> str:
    why = reason.strip()
    if not why or len(why) > REASON_LIMIT:
        raise ValidationError(
            "reason", N_("%(field)s must be a text of 1 to %(count)d characters."), field="reason",
            count=REASON_LIMIT,
        )  # fmt: skip
    return why


async def _managed(conn: AsyncConnection, user: User, campaign_id: int) -> Campaign:
    scope.require(user, Permission.CAMPAIGNS_MANAGE)
    return await visible_campaign(conn, user, campaign_id)
