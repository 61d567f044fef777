"""What an operator's console may do, and on which lines: follow, dial, hang up, note, list missed calls.

Why one place: the websocket hub, the console's API and the line picker must agree on who may use which
line. Operators use the lines bound to them; supervisors and admins every line of their branch; nobody a
line of another branch (a line whose branch is unknown belongs to no one).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ctid.accounts.branch_scope import narrowed
from ctid.accounts.models import Role, User
from ctid.accounts.permissions import Permission, allows
from ctid.accounts.service import AccountService
from ctid.accounts.users import UserChanges
from ctid.audit.models import Actor
from ctid.calls.dnc import DoNotCall
from ctid.calls.handlers import CallHandlers
from ctid.calls.models import Call
from ctid.calls.service import CallLog
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, CtidError, NotFound, PermissionDenied, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.crm.models import ContactType, CustomerCard
from ctid.crm.new_customer import NewCustomer
from ctid.crm.service import CustomerDirectory
from ctid.lineplan.source import LinePlanSource
from ctid.recording.recorder import Recorder
from ctid.screenpop.service import Dialler, ScreenPops
from ctid.voicecard.driver import LineInfo
from ctid.voicecard.lines import Lines

MISSED_DAYS = 7
MISSED_LIMIT = 50


@dataclass(frozen=True)
class LineChoice:
    """A line of the user's branch for the console's line picker."""

    name: str
    label: str
    status: str
    bound: bool


@dataclass(frozen=True)
class ConsoleScope:
    """What a signed-in console may follow now: its user as they are now, and the lines of their calls."""

    user: User
    lines: frozenset[str]


@dataclass(frozen=True)
class AddNumber:
    """Add the call's number to the customer it is linked to; ``confirm_shared_phone``: the user knows
    another customer of the branch has it (a family, a company)."""

    confirm_shared_phone: bool = False


@dataclass(frozen=True)
class MissedCall:
    call: Call
    customer_name: str | None


DO_NOT_CALL = N_("%(number)s is on the do-not-call list (%(reason)s): it is not dialled.")
# a customer's opt-out of what the call is about, named in words (the type's own)
OPTED_OUT = {
    ContactType.MAINTENANCE: N_("%(name)s does not want calls about maintenance."),
    ContactType.INSURANCE: N_("%(name)s does not want calls about insurance."),
    ContactType.INSPECTION: N_("%(name)s does not want calls about the annual inspection."),
    ContactType.BIRTHDAY: N_("%(name)s does not want birthday greetings."),
    ContactType.FOLLOW_UP: N_("%(name)s does not want follow-up calls."),
    ContactType.MARKETING: N_("%(name)s does not want marketing calls."),
    ContactType.SMS: N_("%(name)s does not want SMS."),
}


class Console:
    def __init__(
        self,
        accounts: AccountService,
        lines: Lines,
        plan: LinePlanSource,
        calls: CallLog,
        directory: CustomerDirectory,
        normaliser: PhoneNormaliser,
        clock: Callable[[], datetime] = utcnow,
        recorder: Recorder | None = None,
        pops: ScreenPops | None = None,
        handlers: CallHandlers | None = None,
        dnc: DoNotCall | None = None,
    ) -> None:
        self._accounts = accounts
        self._dnc = dnc
        self._lines = lines
        self._plan = plan
        self._calls = calls
        self._directory = directory
        self._normaliser = normaliser
        self._clock = clock
        self._recorder = recorder
        self._pops = pops
        self._handlers = handlers

    # --- which lines -------------------------------------------------------------------------------------

    def branch_lines(self, user: User) -> list[LineInfo]:
        plan = self._plan.current
        return [i for i in self._lines.infos() if plan.branch_of(i.name) == user.branch_id]

    async def lines_for(self, user: User) -> frozenset[str]:
        """The lines whose calls pop on this user's console and on which they may dial."""
        return self._lines_with(user, await self._accounts.bindings.bound_lines(user.id))

    def _lines_with(self, user: User, bound: Collection[str]) -> frozenset[str]:
        mine = {i.name for i in self.branch_lines(user)}
        return frozenset(mine if user.role in (Role.SUPERVISOR, Role.ADMIN) else mine.intersection(bound))

    async def scopes(self, sessions: Collection[str], tokens: Collection[str]) -> dict[str, ConsoleScope]:
        """For the hub's check of the open consoles, in one read: what each session cookie or API token
        still lets in may follow now (its user's role, branch and lines may have changed since it
        connected); a credential that lets no one in any more is left out."""
        live = await self._accounts.sessions.still_signed_in(sessions, tokens)
        return {
            credential: ConsoleScope(found.user, self._lines_with(found.user, found.bound_lines))
            for credential, found in live.items()
        }

    async def visible_lines(self, user: User, branch_id: int | None = None) -> list[LineInfo]:
        """The lines of the Lines page and API: the user's branch's; admins every line, or one branch's."""
        branch = narrowed(user, branch_id)
        if branch is None:
            return self._lines.infos()
        of_branch = set(await self._calls.lines_in(branch))
        return [info for info in self._lines.infos() if info.name in of_branch]

    async def line_choices(self, user: User, bound: list[str] | None = None) -> list[LineChoice]:
        chosen = set(await self._accounts.bindings.bound_lines(user.id) if bound is None else bound)
        return [LineChoice(i.name, i.label, i.status, i.name in chosen) for i in self.branch_lines(user)]

    async def bind(
        self, actor: Actor, user: User, lines: list[str], *, only_known: bool = False
    ) -> list[LineChoice]:
        """Set a user's lines (their own choice in the console, or an admin's default on the user's page).

        ``only_known``: quietly leave out lines outside the user's branch (the admin just moved the user to
        another branch on the same form) instead of refusing them."""
        known = set(await self._calls.lines_in(user.branch_id))
        if only_known:
            lines = [name for name in lines if name in known]
        bound = await self._accounts.bindings.bind_lines(actor, user.id, lines, known)
        return await self.line_choices(user, bound)

    async def change_user(
        self, actor: Actor, user_id: int, edit: UserChanges, lines: list[str] | None, *, only_known: bool
    ) -> User:
        """An admin changes a user: the user's page and ``PATCH /api/v1/users/{id}`` both come here. Role,
        branch, state and the like (Users.update_user), then the lines bound to them, which must
        be lines of their branch: ``only_known`` (the page, whose line boxes are the old branch's when the
        branch changed) leaves the others out; otherwise (the API) they are refused by name before anything
        is changed. Open consoles follow at the hub's next check (ctid.web.hub)."""
        if lines is not None and not only_known:
            branch = edit.branch_id or (await self._accounts.users.get_user(user_id)).branch_id
            unknown = sorted(set(lines) - set(await self._calls.lines_in(branch)))
            if unknown:
                raise ValidationError("lines", N_("No line named %(name)s."), name=", ".join(unknown))
        user = await self._accounts.users.update_user(actor, user_id, edit)
        if lines is not None:
            await self.bind(actor, user, lines, only_known=only_known)
        return user

    async def _require_line(self, user: User, line: str) -> None:
        self._lines.get(line)  # NotFound for a name that is no line at all
        if line not in await self.lines_for(user):
            shown = self._plan.current.label(line) if self._of_branch(user, line) else line
            raise PermissionDenied(N_("Line %(name)s is not one of your lines."), name=shown)

    def _of_branch(self, user: User, line: str) -> bool:
        return self._plan.current.branch_of(line) == user.branch_id

    @contextmanager
    def _in_words(self, line: str) -> Iterator[None]:
        """A line's refusal names the line by its label (前台), as the console does, not its config key."""
        try:
            yield
        except CtidError as exc:
            relabel(exc, line, self._plan.current.label(line))
            raise

    # --- acting on a line --------------------------------------------------------------------------------

    async def dial(
        self,
        user: User,
        line: str,
        raw_number: str,
        about: ContactType | None = None,
        override: Actor | None = None,
    ) -> str:
        """Dial a number on one of the user's lines; returns the call id. LineBusy/LineDown are 409s.

        A number on the do-not-call list, or (``about``: what the call is about, a reminder's type) a
        customer of the number who refused such calls, is a 409 saying why; ``override`` (a supervisor's,
        who knows why) dials anyway, audited as ``call.override``."""
        await self._require_line(user, line)
        number = self._normaliser.normalise(raw_number)
        if number.e164 is None:
            raise ValidationError("number", N_("%(number)s is not a phone number."), number=number.raw)
        await self._may_call(user, number.e164, number.raw, about, override)
        dialling = (
            self._pops.dialling(line, Dialler(user.id, number.raw, number.e164))
            if self._pops is not None
            else nullcontext()
        )
        with self._in_words(line), dialling:  # the dialled customer's card pops on this user's console
            call_id = await self._lines.get(line).dial(self._normaliser.dial_string(number))
        if self._handlers is not None:
            self._handlers.dialled(call_id, line, user)  # an outbound call is its dialler's
        return call_id

    async def _may_call(
        self, user: User, e164: str, raw: str, about: ContactType | None, override: Actor | None
    ) -> None:
        refusals = []
        if self._dnc is not None and (listed := await self._dnc.entry(e164)) is not None:
            refusals.append((DO_NOT_CALL, {"number": raw, "reason": listed.reason or "—"}))
        if about is not None:
            for name in await self._directory.refusing(e164, user.branch_id, about):
                refusals.append((OPTED_OUT[about], {"name": name}))
        if not refusals:
            return
        if override is None or self._dnc is None or not allows(user, Permission.CAMPAIGNS_MANAGE):
            message, params = refusals[0]
            raise Conflict(message, **params)
        await self._dnc.overridden(override, e164, [message % params for message, params in refusals])

    async def hangup(self, user: User, line: str) -> None:
        await self._require_line(user, line)
        with self._in_words(line):
            await self._lines.get(line).hangup()

    async def recording(self, user: User, line: str, action: str) -> tuple[str, int | None] | None:
        """Start ("record"), pause or resume the recording of the call on one of the user's lines; returns
        the line's recording state afterwards ((state, recording id), or None when it is not recording)."""
        await self._require_line(user, line)
        if not allows(user, Permission.RECORDINGS_OWN) or self._recorder is None:
            raise PermissionDenied(N_("You are not allowed to do this."))
        recorder = self._recorder
        actions = {"record": recorder.record_now, "pause": recorder.pause, "resume": recorder.resume}
        if action not in actions:
            raise ValidationError("action", N_("Unknown action %(action)s."), action=action)
        with self._in_words(line):
            actions[action](line)  # "record" on a line already recording leaves it as it is
        if user.role == Role.OPERATOR:
            self._recorder.claim(line, user.id)
        return self._recorder.state(line)

    # --- calls -------------------------------------------------------------------------------------------

    async def _visible_call(self, user: User, call_id: str) -> Call:
        """A call on a line of the user's branch; NotFound otherwise (another branch's calls do not exist)."""
        call = await self._calls.get(call_id)
        if call is None or (await self._plan.get()).branch_of(call.line) != user.branch_id:
            raise NotFound(N_("No such call."))
        return call

    async def save_note(self, actor: Actor, user: User, call_id: str, note: str) -> Call:
        await self._visible_call(user, call_id)
        return await self._calls.save_note(actor, call_id, note)

    async def save_result(self, actor: Actor, user: User, call_id: str, result: str | None) -> Call:
        """The wrap-up result, on a call of the user's branch (as the note)."""
        await self._visible_call(user, call_id)
        return await self._calls.save_result(actor, call_id, result)

    async def missed(self, user: User) -> list[MissedCall]:
        """Missed calls of the last MISSED_DAYS on the user's lines that nobody has returned yet."""
        since = self._clock() - timedelta(days=MISSED_DAYS)
        found = await self._calls.missed(await self.lines_for(user), since, MISSED_LIMIT)
        names = await self._directory.names({c.customer_id for c in found if c.customer_id})
        return [MissedCall(c, names.get(c.customer_id) if c.customer_id else None) for c in found]

    # --- customers ---------------------------------------------------------------------------------------

    async def card(self, user: User, customer_id: int) -> CustomerCard:
        card = await self._directory.card(customer_id, self._directory.today())
        if card.branch_id != user.branch_id:
            raise NotFound(N_("No such customer."))
        return card

    async def recent_calls(self, card: CustomerCard, limit: int = 5) -> list[Call]:
        """The last calls with any of the customer's numbers on their branch's lines, newest first (one
        read for all of them): another branch's calls from the same number are that branch's."""
        e164s = {p.e164 for p in card.phones if p.e164}
        return await self._calls.recent_with(e164s, card.branch_id, limit)

    async def create_customer(
        self, actor: Actor, user: User, new: NewCustomer, call_id: str | None = None
    ) -> CustomerCard:
        """A customer from the pop's form, in the user's branch; with ``call_id``, that call is theirs."""
        if call_id:
            await self._visible_call(user, call_id)
        card = await self._directory.create_customer(actor, replace(new, branch_id=user.branch_id))
        if call_id:
            await self._calls.link_customer(actor, call_id, card.id)
        return card

    async def link_customer(
        self, actor: Actor, user: User, call_id: str, customer_id: int, add_number: AddNumber | None = None
    ) -> None:
        """The operator picked one of several candidates: the call is theirs. With ``add_number``, the caller
        was found by a search: a customer calling from a new phone, whose number joins theirs first (so the
        next call from it pops them; the directory's checks and audit, a shared number asked about)."""
        call = await self._visible_call(user, call_id)
        await self.card(user, customer_id)
        if add_number is not None:
            if not call.number or not call.number_e164:
                raise ValidationError("add_number", N_("This call has no number to add."))
            confirmed = add_number.confirm_shared_phone
            await self._directory.add_phone(actor, customer_id, call.number, confirmed)
        await self._calls.link_customer(actor, call_id, customer_id)


def relabel(error: CtidError, line: str, label: str) -> None:
    """Put ``label`` where ``error`` names ``line`` (its ``line`` or ``name`` parameter): the voice card's
    errors know only the line's config key (demo), the operator knows it by its label (演示线路)."""
    named = {key: label for key in ("line", "name") if error.params.get(key) == line}
    if named:
        error.params = {**error.params, **named}
        error.args = (error.message % error.params,)
