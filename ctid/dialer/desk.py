"""An operator's desk in the campaigns: the running preview and progressive campaigns they work, a preview
campaign's next card held for them while it is shown, the card dialled on their line or skipped with a
reason, and the call backs kept for them.

Why a hold: a preview card is a person reading a customer's history before a call, for a minute or two; two
operators shown the same card would both call. The card shown is held for its operator (``desk_store.hold``,
a conditional update) until they dial it, skip it, close it, or ``HOLD`` passes (a console closed without a
word lets it go by itself). Asking again while a card is held shows the same card (a reload is not a skip).

The next card is chosen as the runner chooses (``eligibility.why_not`` with the lists as they are now:
``checks.contact_views``): a contact the lists forbid is closed as the runner closes it, and the answer
without a card says why (the campaign not running, outside calling hours, nobody due and when the next
is). The dial itself, its attempt and the result are the runner's (``Runner.dial_contact``,
``Runner.give_result``): one path for every campaign call.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ctid.accounts.branch_scope import branch_scope
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, PermissionDenied, ValidationError
from ctid.crm import scope
from ctid.dialer import desk_store, store
from ctid.dialer.checks import contact_views
from ctid.dialer.eligibility import CampaignView, why_not
from ctid.dialer.hours import KindOf, closed_at, next_open
from ctid.dialer.lookup import campaign_contact, visible_campaign
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState, WhyNot
from ctid.dialer.records import Attempt, Campaign, Contact
from ctid.dialer.retry import DEFAULT_DELAYS
from ctid.dialer.runner import CLOSE_AT_DIAL, Placed, Runner
from ctid.dialer.statutory import day_kind
from ctid.reminders import store as reminder_store
from ctid.reminders.item_models import ReminderItem
from ctid.storage.db import Database

log = logging.getLogger(__name__)

HOLD = timedelta(minutes=10)  # a card shown and left: free for the others after this
BATCH = 20  # due contacts read at once for the next card (those the lists forbid are closed and skipped)
ROUNDS = 10  # batches read at most for one card (a long run of forbidden contacts is closed a batch a time)
CALL_BACKS = 50  # the call backs a console lists at most
REASON_LIMIT = 200
WORKED = frozenset({CampaignMode.PREVIEW, CampaignMode.PROGRESSIVE})

LinesOf = Callable[[User], Awaitable[frozenset[str]]]
"""The lines a user's console follows and dials on (``Console.lines_for``): a card is dialled on one of
them."""


@dataclass(frozen=True)
class Card:
    """A contact as an operator's console shows it: its campaign, the reminder item the call is about, the
    attempts so far (the newest first), until when it is held for them, and the campaign's lines that are
    theirs to dial it on. The customer's own card is the pop's (read by whoever shows it)."""

    campaign: Campaign
    contact: Contact
    item: ReminderItem | None
    attempts: tuple[Attempt, ...]
    held_until: datetime | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class NoCard:
    """No card now, and why: ``why`` the campaign's reason (not running, outside hours, a day off), None
    when nobody is due; ``next_at`` when the next contact comes due or calling hours open (None: none)."""

    why: WhyNot | None
    next_at: datetime | None


@dataclass(frozen=True)
class CallBack:
    """A call back kept for this operator: its campaign, the contact and when it is due."""

    campaign: Campaign
    contact: Contact
    due: bool


class Desk:
    def __init__(
        self,
        db: Database,
        runner: Runner,
        timezone: str,
        lines_of: LinesOf,
        clock: Callable[[], datetime] = utcnow,
        kind_of: KindOf = day_kind,
        hold: timedelta = HOLD,
    ) -> None:
        self._db = db
        self._runner = runner
        self._zone = ZoneInfo(timezone)
        self._lines_of = lines_of
        self._clock = clock
        self._kind_of = kind_of
        self._hold = hold

    async def campaigns(self, user: User) -> list[Campaign]:
        """The running preview and progressive campaigns of the user's branch they are an operator of (a
        campaign naming no operators is everyone's)."""
        scope.require(user, Permission.USE_CONSOLE)
        async with self._db.connect() as conn:
            running = await store.campaigns_in(conn, [CampaignState.RUNNING])
        branch = branch_scope(user)
        return [
            c
            for c in running
            if c.mode in WORKED and (branch is None or c.branch_id == branch) and _operates(user, c)
        ]

    async def next_card(self, user: User, campaign_id: int) -> Card | NoCard:
        """The preview campaign's next card for this operator, held for them (the one they hold already,
        if any: its hold renewed)."""
        scope.require(user, Permission.USE_CONSOLE)
        now = self._clock()
        local = now.astimezone(self._zone)
        lines = await self._lines_of(user)
        async with self._db.begin(immediate=True) as conn:
            campaign = await self._worked(conn, user, campaign_id)
            if campaign.mode != CampaignMode.PREVIEW:
                raise Conflict(N_("This campaign dials by itself: its calls pop when you are ready."))
            if campaign.state != CampaignState.RUNNING:
                return NoCard(WhyNot.CAMPAIGN_NOT_RUNNING, None)
            hours = campaign.settings.hours
            if (closed := closed_at(local, hours, self._kind_of)) is not None:
                return NoCard(closed, next_open(local, hours, self._kind_of))
            until = now + self._hold
            held = await desk_store.held_by(conn, campaign_id, user.id, now)
            if held is not None:
                await desk_store.hold(conn, held.id, user.id, now, until)
                return await self._card(conn, campaign, held, until, lines)
            view = CampaignView(campaign.state, campaign.mode, campaign.settings.retry.max_attempts, hours)
            for _round in range(ROUNDS):
                batch = await desk_store.candidates(conn, campaign_id, user.id, now, BATCH)
                views = await contact_views(conn, batch, campaign.settings, now)
                for contact in batch:
                    why = why_not(views[contact.id], view, local, self._kind_of)
                    if why in CLOSE_AT_DIAL:
                        assert why is not None
                        await store.close_contact(conn, contact.id, why.value, now)
                        log.info("dialer: contact %d of campaign %d not shown: %s", contact.id, campaign_id,
                                 why.value)  # fmt: skip
                    elif why is None and await desk_store.hold(conn, contact.id, user.id, now, until):
                        return await self._card(conn, campaign, contact, until, lines)
                if len(batch) < BATCH:
                    break
            return NoCard(None, await desk_store.earliest_for(conn, campaign_id, user.id))

    async def release(self, user: User, campaign_id: int, contact_id: int) -> None:
        """The operator closed the card without a word: it is free for the others at once."""
        scope.require(user, Permission.USE_CONSOLE)
        async with self._db.begin(immediate=True) as conn:
            await self._worked(conn, user, campaign_id)
            await campaign_contact(conn, campaign_id, contact_id)
            await desk_store.release(conn, contact_id, user.id)

    async def skip(self, actor: Actor, user: User, campaign_id: int, contact_id: int, reason: str) -> None:
        """The card is skipped with a reason: nobody was called, so no attempt is used; the contact comes
        round again after the campaign's delay for a skip (audited)."""
        scope.require(user, Permission.USE_CONSOLE)
        why = reason.strip() if isinstance(reason, str) else ""
        if not why or len(why) > REASON_LIMIT:
            raise ValidationError("reason", N_("%(field)s must be a text of 1 to %(count)d characters."),
                                  field="reason", count=REASON_LIMIT)  # fmt: skip
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            campaign = await self._worked(conn, user, campaign_id)
            contact = await campaign_contact(conn, campaign_id, contact_id)
            delays = campaign.settings.retry.delays
            later = now + delays.get(AttemptResult.SKIPPED, DEFAULT_DELAYS[AttemptResult.SKIPPED])
            if not await desk_store.skip(conn, contact_id, user.id, why, later, now):
                raise Conflict(N_("This card is not yours to skip: it was dialled, or is shown to another."))
            before = {"status": contact.status.value, "next_try_at": contact.next_try_at.isoformat()}
            after = {"skipped": why, "next_try_at": later.isoformat()}
            target = ("campaign_contact", contact_id)
            await audit.record(conn, actor, "campaign.skip", target, now, before, after)

    async def dial(self, user: User, campaign_id: int, contact_id: int, line: str) -> Placed:
        """Dial a card (or a call back) on one of the operator's lines that is one of the campaign's: the
        runner's one call, its refusals in words (not running, the line busy, a reason not to call now)."""
        scope.require(user, Permission.USE_CONSOLE)
        if line not in await self._lines_of(user):
            raise PermissionDenied(N_("Line %(name)s is not one of your lines."), name=line)
        now = self._clock()
        async with self._db.connect() as conn:
            await self._worked(conn, user, campaign_id)
            contact = await campaign_contact(conn, campaign_id, contact_id)
        held = contact.held_until is not None and contact.held_until > now
        if held and contact.held_by != user.id:
            raise Conflict(N_("This contact is being shown to another operator."))
        placed = await self._runner.dial_contact(user, campaign_id, contact_id, line)
        async with self._db.begin(immediate=True) as conn:
            await desk_store.release(conn, contact_id)
        return placed

    async def card(self, campaign_id: int, contact_id: int) -> Card:
        """A contact's card as its operator's console pops it (a progressive call, placed for them): the
        campaign's lines are given as they are (the call is on one already). No one's permission is asked:
        the caller sends it to the operator the call is for."""
        async with self._db.connect() as conn:
            contact = await campaign_contact(conn, campaign_id, contact_id)
            campaign = await store.get_campaign(conn, campaign_id)
            assert campaign is not None  # its contact's row is there: it is (the contacts cascade)
            return await self._card(conn, campaign, contact, None, frozenset(campaign.settings.lines))

    async def open_call(self, user: User) -> tuple[Card, Attempt] | None:
        """The campaign call this operator has not given a result for yet, if any (a console opened or
        reloaded during it shows its card again, with the result still to give)."""
        scope.require(user, Permission.USE_CONSOLE)
        attempt_id = self._runner.operators_busy().get(user.id)
        if attempt_id is None:
            return None
        async with self._db.connect() as conn:
            attempt = await store.get_attempt(conn, attempt_id)
        if attempt is None:
            return None
        return await self.card(attempt.campaign_id, attempt.contact_id), attempt

    async def call_backs(self, user: User) -> list[CallBack]:
        """The call backs kept for this operator in the campaigns they work, the soonest first (``due``:
        its time has come)."""
        campaigns = {c.id: c for c in await self.campaigns(user)}
        now = self._clock()
        async with self._db.connect() as conn:
            found = await desk_store.call_backs_for(conn, user.id, list(campaigns), CALL_BACKS)
        return [CallBack(campaigns[c.campaign_id], c, c.next_try_at <= now) for c in found]

    # --- helpers ---------------------------------------------------------------------------------------

    async def _worked(self, conn: Any, user: User, campaign_id: int) -> Campaign:
        """A campaign of the user's branch that they are an operator of (NotFound from another branch)."""
        found = await visible_campaign(conn, user, campaign_id)
        if not _operates(user, found):
            raise PermissionDenied(N_("You are not one of this campaign's operators."))
        return found

    async def _card(
        self, conn: Any, campaign: Campaign, contact: Contact, until: datetime | None, mine: frozenset[str]
    ) -> Card:
        item = None
        if contact.reminder_item_id is not None:
            item = await reminder_store.get_item(conn, contact.reminder_item_id)
        attempts = tuple(await desk_store.attempts_at(conn, contact.id))
        lines = tuple(line for line in campaign.settings.lines if line in mine)
        return Card(campaign, contact, item, attempts, until, lines)


def _operates(user: User, campaign: Campaign) -> bool:
    operators = campaign.settings.operators
    return not operators or user.id in operators or allows(user, Permission.CAMPAIGNS_MANAGE)
