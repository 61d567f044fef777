"""The start page's day for a user (their branch's birthdays, vehicles due, today's calls on the branch's
lines, open complaints, announcements) and the announcements admins post."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, NotFound, ValidationError
from ctid.crm import scope
from ctid.crm.history import auditable
from ctid.crm.lunar import birth_dates_on
from ctid.crm.models import ReminderKind
from ctid.home import store
from ctid.home.days import birth_dates_today, due_window
from ctid.home.models import Announcement, Day
from ctid.lineplan.source import LinePlanSource
from ctid.storage.db import Database

BIRTHDAYS = 20
REMINDERS = 10  # per kind read; the page shows the soonest REMINDERS of all kinds
COMPLAINTS = 10
LAST_CALLS = 5
NO_SUCH_ANNOUNCEMENT = N_("No such announcement.")


@dataclass(frozen=True)
class NewAnnouncement:
    title: str
    body: str = ""
    branch_id: int | None = None  # None: every branch
    expires_on: date | None = None


class Home:
    def __init__(
        self,
        db: Database,
        plan: LinePlanSource,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._plan = plan  # today's calls are those on the lines of the user's branch
        self._tz = ZoneInfo(timezone)
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    async def day(self, user: User) -> Day:
        """The user's branch's day; the CRM parts only for users who may see the CRM."""
        scope.require(user, Permission.USE_CONSOLE)
        today, branch = self.today(), user.branch_id
        midnight = datetime.combine(today, time(), self._tz)
        crm = allows(user, Permission.CRM_VIEW)
        first, last = due_window(today)
        lines = (await self._plan.get()).lines_in(branch)
        async with self._db.connect() as conn:
            calls = await store.calls_since(conn, lines, midnight, LAST_CALLS)
            news = await store.current_announcements(conn, branch, today)
            if not crm:
                return Day(today, (), (), 0, calls, (), 0, tuple(news))
            lunar = birth_dates_on(today)
            birthdays = await store.birthdays(conn, branch, birth_dates_today(today), BIRTHDAYS, lunar)
            reminders, total = [], 0
            for kind in (ReminderKind.INSURANCE, ReminderKind.INSPECTION, ReminderKind.MAINTENANCE):
                found, count = await store.vehicles_due(conn, branch, kind, first, last, REMINDERS)
                reminders.extend(found)
                total += count
            complaints, open_total = await store.open_complaints(conn, branch, COMPLAINTS)
        reminders.sort(key=lambda r: (r.due_on, list(ReminderKind).index(r.kind), r.plate))
        return Day(
            today=today,
            birthdays=tuple(birthdays),
            reminders=tuple(reminders[:REMINDERS]),
            reminders_total=total,
            calls=calls,
            complaints=tuple(complaints),
            complaints_total=open_total,
            announcements=tuple(news),
        )

    async def announcements(self, user: User) -> list[Announcement]:
        """Current announcements: the user's branch's and everyone's; admins see every branch's."""
        scope.require(user, Permission.USE_CONSOLE)
        async with self._db.connect() as conn:
            return await store.current_announcements(conn, scope.branch_scope(user), self.today())

    async def announce(self, actor: Actor, user: User, new: NewAnnouncement) -> Announcement:
        scope.require(user, Permission.MANAGE_ANNOUNCEMENTS)
        if not new.title:
            raise ValidationError("title", N_("%(what)s is required."), what="title")
        if new.expires_on is not None and new.expires_on < self.today():
            raise ValidationError("expires_on", N_("The end date is before the start date."))
        now = self._clock()
        async with self._db.begin() as conn:
            if new.branch_id is not None:
                await scope.branch_for_new(conn, user, new.branch_id)
            values = {
                "branch_id": new.branch_id,
                "title": new.title,
                "body": new.body,
                "expires_on": new.expires_on,
                "created_by": user.id,
                "created_at": now,
            }
            announcement_id = await store.insert_announcement(conn, values)
            entity = ("announcement", announcement_id)
            await audit.record(conn, actor, "announcement.create", entity, now, after=auditable(values))
            found = await store.get_announcement(conn, announcement_id)
        assert found is not None
        return found

    async def withdraw(self, actor: Actor, user: User, announcement_id: int) -> None:
        scope.require(user, Permission.MANAGE_ANNOUNCEMENTS)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:  # withdrawn twice at once: audited twice
            found = await store.get_announcement(conn, announcement_id)
            if found is None:
                raise NotFound(NO_SUCH_ANNOUNCEMENT)
            await store.delete_announcement(conn, announcement_id)
            entity = ("announcement", announcement_id)
            before = auditable({"title": found.title, "body": found.body, "branch_id": found.branch_id})
            await audit.record(conn, actor, "announcement.delete", entity, now, before=before)
