"""Campaigns as supervisors run them: made from a reminder queue, started, paused, stopped (each audited),
and what a start of the daemon finds of the last run.

A start after a crash never dials anyone twice blindly: the attempts a stopped daemon left without an end
become ``unknown`` and their contacts wait the retry delay (``ctid.dialer.retry``); a paused campaign stays
paused and a running one runs on (its state is a row, not a task's memory).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ctid.accounts.branch_scope import branch_scope
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, ValidationError
from ctid.core.events import EventBus
from ctid.core.paging import Page, PageRequest
from ctid.crm import customer_store, scope
from ctid.dialer import store
from ctid.dialer.campaign_settings import (
    CampaignSettings,
    Source,
    SourceKind,
    settings_from_json,
    settings_to_json,
)
from ctid.dialer.checks import contact_views
from ctid.dialer.eligibility import CampaignView, why_not
from ctid.dialer.events import CampaignChanged
from ctid.dialer.lookup import visible_campaign
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState, ContactStatus, WhyNot
from ctid.dialer.records import Attempt, Campaign, Contact
from ctid.dialer.retry import RetryRules, after_attempt
from ctid.dialer.search_source import customer_filter
from ctid.dialer.statutory import day_kind
from ctid.storage.db import Database

log = logging.getLogger(__name__)
NAME_LIMIT = 100
EXPLAINED = 50  # contacts the live page explains at once
MAX_SEARCHED = 100_000  # a search's customers a campaign takes at most (the bench's size)
TEXT_LIMIT = N_("%(field)s must be a text of 1 to %(count)d characters.")
# Where a campaign may go from each state: a draft starts; a running one pauses or stops; a paused one
# resumes or stops; stopped and finished are final.
MOVES: Mapping[str, tuple[CampaignState, frozenset[CampaignState], str]] = {
    "start": (
        CampaignState.RUNNING,
        frozenset({CampaignState.DRAFT, CampaignState.PAUSED}),
        N_("Only a new or paused campaign can start."),
    ),
    "pause": (
        CampaignState.PAUSED,
        frozenset({CampaignState.RUNNING}),
        N_("Only a running campaign can pause."),
    ),
    "stop": (
        CampaignState.STOPPED,
        frozenset({CampaignState.DRAFT, CampaignState.RUNNING, CampaignState.PAUSED}),
        N_("This campaign has ended already."),
    ),
}


@dataclass(frozen=True)
class Progress:
    campaign: Campaign
    contacts: Mapping[ContactStatus, int]
    results: Mapping[AttemptResult, int]


@dataclass(frozen=True)
class Recovered:
    """What a start found of the last run: attempts without an end, marked unknown."""

    attempts: int
    contacts: int


class Campaigns:
    """Also a component of the daemon: its start recovers what the last run left (``recover``)."""

    name = "campaigns"

    def __init__(
        self,
        db: Database,
        timezone: str,
        clock: Callable[[], datetime] = utcnow,
        bus: EventBus | None = None,
    ) -> None:
        """``bus``: where a campaign's move is told (``CampaignChanged``: the runner starts or ends its
        task at once)."""
        self._db = db
        self._zone = ZoneInfo(timezone)
        self._clock = clock
        self._bus = bus

    async def create(
        self, actor: Actor, user: User, name: Any, mode: Any, settings: Any, priority: int = 0
    ) -> Campaign:
        """A draft campaign (nothing dialled until it starts); its contacts from its source at once.
        A bad setting is a ValidationError naming it."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        name, kind, checked = _name(name), _mode(mode), _settings(settings)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            branch = await scope.branch_for_new(conn, user, None)
            values = {"branch_id": branch, "name": name, "mode": kind, "state": CampaignState.DRAFT,
                      "priority": priority, "settings": checked, "created_by": user.id, "created_at": now,
                      "updated_at": now}  # fmt: skip
            campaign_id = await store.insert_campaign(conn, values)
            added = await self._add_contacts(conn, campaign_id, branch, checked, user, now)
            after = {
                "name": name,
                "mode": kind.value,
                "settings": settings_to_json(checked),
                "contacts": added,
            }
            await audit.record(conn, actor, "campaign.create", ("campaign", campaign_id), now, after=after)
            return await visible_campaign(conn, user, campaign_id)

    async def change(
        self, actor: Actor, user: User, campaign_id: int, changes: Mapping[str, Any]
    ) -> Campaign:
        """A campaign's ``name``, ``priority``, ``mode`` or ``settings`` (all of them, as ``create`` takes
        them), audited with what changed.

        A running or paused campaign may change its name, priority, lines, operators, calling hours,
        attempts, retry delays, contacted window and prompt: the runner reads them from the row at its next
        decision (told at once by ``CampaignChanged``), and a call in flight ends as it began. Its mode and
        source may change only in a draft (a source's change reads the contacts again): a running
        campaign's contacts already carry attempts, and a progressive call has an operator waiting on it.
        An ended campaign changes no more. Each refusal is a 409 in words."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = _name(changes["name"])
        if "priority" in changes:
            values["priority"] = changes["priority"]
        if "mode" in changes:
            values["mode"] = _mode(changes["mode"])
        if "settings" in changes:
            values["settings"] = _settings(changes["settings"])
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await visible_campaign(conn, user, campaign_id)
            if current.state in (CampaignState.STOPPED, CampaignState.FINISHED):
                raise Conflict(N_("This campaign has ended: it changes no more."))
            before = _changeable(current)
            after = {**before, **{k: v.value if k == "mode" else v for k, v in values.items()}}
            if "settings" in values:
                after["settings"] = settings_to_json(values["settings"])
            draft = current.state == CampaignState.DRAFT
            if not draft and after["mode"] != before["mode"]:
                raise Conflict(N_("Only a new campaign can change its mode."))
            source_changed = after["settings"]["source"] != before["settings"]["source"]
            if not draft and source_changed:
                raise Conflict(N_("Only a new campaign can change where its contacts come from."))
            changed = {k: after[k] for k in after if after[k] != before[k]}
            if changed:
                await store.update_campaign(conn, campaign_id, {**values, "updated_at": now})
                if source_changed:
                    await store.drop_contacts(conn, campaign_id)
                    changed["contacts"] = await self._add_contacts(
                        conn, campaign_id, current.branch_id, values["settings"], user, now
                    )
                was = {k: before[k] for k in changed if k in before}
                await audit.record(
                    conn, actor, "campaign.change", ("campaign", campaign_id), now, was, changed
                )
            found = await visible_campaign(conn, user, campaign_id)
        if changed and self._bus is not None:
            self._bus.publish(CampaignChanged(campaign_id=campaign_id, state=found.state, at=now))
        return found

    async def all(self, user: User) -> list[Campaign]:
        """The campaigns of the user's branch (an admin's: every branch's), the newest first."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        async with self._db.connect() as conn:
            return await store.list_campaigns(conn, branch_scope(user))

    async def progress(self, user: User, campaign_id: int) -> Progress:
        """How far the campaign is: its contacts by status and its attempts by result."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        async with self._db.connect() as conn:
            campaign = await visible_campaign(conn, user, campaign_id)
            contacts = await store.contact_counts(conn, campaign_id)
            results = await store.result_counts(conn, campaign_id)
        return Progress(campaign, contacts, results)

    async def attempts(self, user: User, campaign_id: int, request: PageRequest) -> Page[Attempt]:
        """Every attempt, the newest first (the CSV export's rows too)."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        async with self._db.connect() as conn:
            await visible_campaign(conn, user, campaign_id)
            found = await store.attempts_of(conn, campaign_id, request.per_page, request.offset)
            total = await store.attempt_count(conn, campaign_id)
        return Page(found, total, request)

    async def get(self, user: User, campaign_id: int) -> Campaign:
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        async with self._db.connect() as conn:
            return await visible_campaign(conn, user, campaign_id)

    async def move(
        self, actor: Actor, user: User, campaign_id: int, how: Literal["start", "pause", "stop"]
    ) -> Campaign:
        """Start (or resume), pause or stop: a 409 in words from a state it may not leave that way."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        state, allowed, refusal = MOVES[how]
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await visible_campaign(conn, user, campaign_id)
            stamps: dict[str, Any] = {}
            if how == "start" and current.started_at is None:
                stamps["started_at"] = now
            if how == "stop":
                stamps["ended_at"] = now
            if not await store.set_state(conn, campaign_id, state, now, allowed, **stamps):
                raise Conflict(refusal)
            before, after = {"state": current.state.value}, {"state": state.value}
            await audit.record(conn, actor, f"campaign.{how}", ("campaign", campaign_id), now, before, after)
            moved = await visible_campaign(conn, user, campaign_id)
        if self._bus is not None:
            self._bus.publish(CampaignChanged(campaign_id=campaign_id, state=state, at=now))
        return moved

    async def explain(
        self, user: User, campaign_id: int, ids: Sequence[int] | None = None, limit: int = EXPLAINED
    ) -> list[tuple[Contact, WhyNot | None]]:
        """Why each contact is not being dialled now (None: it is due), the given ones or the next
        ``limit``: the live page's column, from the function the runner asks (``eligibility.why_not``),
        the lines and operators left out (the page shows those apart)."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        now = self._clock()
        async with self._db.connect() as conn:
            campaign = await visible_campaign(conn, user, campaign_id)
            contacts = await store.contacts_of(conn, campaign_id, ids, limit)
            views = await contact_views(conn, contacts, campaign.settings, now)
        view = CampaignView(campaign.state, campaign.mode, campaign.settings.retry.max_attempts,
                            campaign.settings.hours)  # fmt: skip
        local = now.astimezone(self._zone)
        return [(c, why_not(views[c.id], view, local, day_kind)) for c in contacts]

    async def explain_number(
        self, user: User, campaign_id: int, e164: str
    ) -> list[tuple[Contact, WhyNot | None]]:
        """Why the campaign's contacts at this number are not being dialled now (the live page's lookup
        of any contact, whatever its place in the queue)."""
        scope.require(user, Permission.CAMPAIGNS_MANAGE)
        async with self._db.connect() as conn:
            await visible_campaign(conn, user, campaign_id)
            ids = await store.contacts_at(conn, campaign_id, e164)
        return await self.explain(user, campaign_id, ids) if ids else []

    async def of_items(self, user: User, item_ids: Sequence[int]) -> dict[int, list[Attempt]]:
        """The dial attempts about each of these reminder items, the newest first (each item's history on
        the customer page: the items were read through the user's branch already)."""
        scope.require(user, Permission.REMINDERS_WORK)
        found: dict[int, list[Attempt]] = {}
        if item_ids:
            async with self._db.connect() as conn:
                for item_id, attempt in await store.item_attempts(conn, item_ids):
                    found.setdefault(item_id, []).append(attempt)
        return found

    async def contact_names(self, attempts: Sequence[Attempt]) -> dict[int, str]:
        """The customers' names of attempts read through a checked call, by contact id (the CSV)."""
        async with self._db.connect() as conn:
            return await store.contact_names(conn, sorted({a.contact_id for a in attempts}))

    async def names(self, contacts: Sequence[Contact]) -> dict[int, str]:
        """The customers' names of contacts read through a checked call (the live page's column)."""
        async with self._db.connect() as conn:
            return await store.customer_names(conn, [c.customer_id for c in contacts if c.customer_id])

    async def start(self) -> None:
        found = await self.recover()
        if found.attempts or found.contacts:
            log.warning(
                "dialer: %d attempt(s) were in flight when the daemon stopped: now unknown; %d contact(s) "
                "wait their retry delay, none is dialled again at once",
                found.attempts,
                found.contacts,
            )

    async def stop(self) -> None:
        """Nothing to let finish: the campaigns' state is in the database."""

    async def recover(self) -> Recovered:
        """At a start: the attempts the last run left without an end are ``unknown``, and their contacts
        wait the retry delay of their campaign (or the default rules, the campaign gone)."""
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            lost = await store.attempts_in_flight(conn)
            for attempt in lost:
                await store.end_attempt(conn, attempt.id, AttemptResult.UNKNOWN, now)
            contacts = await store.dialling(conn)
            rules: dict[int, RetryRules] = {}
            for contact in contacts:
                if contact.campaign_id not in rules:
                    campaign = await store.get_campaign(conn, contact.campaign_id)
                    rules[contact.campaign_id] = RetryRules() if campaign is None else campaign.settings.retry
                after = after_attempt(
                    AttemptResult.UNKNOWN, contact.attempts, now, rules[contact.campaign_id]
                )
                await store.settle(conn, contact.id, after, AttemptResult.UNKNOWN, now)
        return Recovered(len(lost), len(contacts))

    async def _add_contacts(
        self, conn: Any, campaign_id: int, branch: int, settings: CampaignSettings, user: User, now: datetime
    ) -> int:
        """The campaign's contacts from its reminder queue: a customer once, at their first number, the
        item it works; all due now (the longest waiting first is the order they were added in)."""
        source = settings.source
        today = now.astimezone(self._zone).date()
        if source.kind == SourceKind.SEARCH:
            return await self._add_searched(conn, campaign_id, branch, source, today, now)
        last = source.to_day or today
        assignee = _assignee(source.assignee, user)
        found = await store.reminder_contacts(
            conn, branch, [t.value for t in source.types], last, source.from_day, assignee
        )
        rows = [
            {"campaign_id": campaign_id, "customer_id": customer, "reminder_item_id": item,
             "number_e164": number, "next_try_at": now, "updated_at": now}
            for customer, item, number in found
        ]  # fmt: skip
        return await store.add_contacts(conn, rows)

    async def _add_searched(
        self, conn: Any, campaign_id: int, branch: int, source: Source, today: date, now: datetime
    ) -> int:
        """The customers of a search (the customer list's filters, in the campaign's branch), each at
        their first number, in the list's order; no reminder item (what they are called about is
        marketing: ``checks``)."""
        where = customer_filter(source.search, branch)
        found = await customer_store.matching_ids(conn, where, today, MAX_SEARCHED)
        numbers = await store.first_numbers(conn, found)
        rows = [
            {"campaign_id": campaign_id, "customer_id": customer, "reminder_item_id": None,
             "number_e164": numbers.get(customer), "next_try_at": now, "updated_at": now}
            for customer in found
        ]  # fmt: skip
        return await store.add_contacts(conn, rows)


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_LIMIT:
        raise ValidationError("name", TEXT_LIMIT, field="name", count=NAME_LIMIT)
    return name.strip()


def _mode(mode: Any) -> CampaignMode:
    try:
        return CampaignMode(mode)
    except ValueError:
        choices = ", ".join(m.value for m in CampaignMode)
        raise ValidationError("mode", N_("%(field)s must be one of: %(choices)s."), field="mode",
                              choices=choices) from None  # fmt: skip


def _settings(settings: Any) -> CampaignSettings:
    try:
        return settings_from_json(settings)
    except ValidationError as exc:  # named as sent: inside the body's "settings"
        params = {**exc.params, **({"field": f"settings.{exc.field}"} if "field" in exc.params else {})}
        raise ValidationError(f"settings.{exc.field}", exc.message, **params) from None


def _changeable(campaign: Campaign) -> dict[str, Any]:
    """What ``change`` may change, as the audit log keeps it."""
    return {
        "name": campaign.name,
        "priority": campaign.priority,
        "mode": campaign.mode.value,
        "settings": settings_to_json(campaign.settings),
    }


def _assignee(given: str, user: User) -> int | Literal["pool"] | None:
    if given == "me":
        return user.id
    if given == "none":
        return "pool"
    return int(given) if given.isdigit() else None
