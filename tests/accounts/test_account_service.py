"""AccountService over a real SQLite file: rules, permissions, sessions, tokens, and the audit log."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from ctid.accounts.branches import BranchFields
from ctid.accounts.models import Role
from ctid.accounts.passwords import Passwords
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser, UserChanges
from ctid.audit.models import Actor, AuditFilter
from ctid.core.clock import utcnow
from ctid.core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from ctid.core.paging import PageRequest
from tests.support.site import PASSWORD, TEST_ACTOR, Site, build_site, make_config

ADDRESS = "192.168.1.20"


async def audit(
    site: Site, action: str = "", entity_type: str = ""
) -> list[tuple[str, str, dict[str, object] | None]]:
    page = await site.services.audit.search(AuditFilter(action=action, entity_type=entity_type))
    return [(e.action, e.actor_name, e.after) for e in page.items]


# --- first start --------------------------------------------------------------------------------------------


async def test_bootstrap_creates_one_admin_once(site: Site) -> None:
    admin = await site.accounts.users.user_by_name("admin")
    assert admin.role is Role.ADMIN and admin.must_change_password
    assert [b.code for b in await site.accounts.branches.list_branches()] == ["main"]
    assert await site.accounts.users.bootstrap() is None
    assert len(site.admin_password) >= 12
    _secret, _session, user = await site.accounts.sessions.login("admin", site.admin_password, ADDRESS)
    assert user.id == admin.id
    assert ("user.create", "system", None) not in await audit(site, action="user.create")


# --- logging in ---------------------------------------------------------------------------------------------


async def test_login_opens_a_session_found_by_its_secret(site: Site) -> None:
    user = await site.user("olga")
    secret, session, found = await site.accounts.sessions.login("OLGA", PASSWORD, ADDRESS)
    assert found.id == user.id
    assert session.expires_at - session.created_at == timedelta(hours=12)
    live = await site.accounts.sessions.session(secret)
    assert live is not None and live[1].id == user.id and live[0].csrf_token == session.csrf_token
    assert await site.accounts.sessions.session(secret + "x") is None
    assert ("user.login", "olga", None) in await audit(site, action="user.login")


async def test_wrong_and_unknown_are_the_same_error(site: Site) -> None:
    await site.user("olga")
    with pytest.raises(NotAuthenticated) as wrong:
        await site.accounts.sessions.login("olga", "not it at all", ADDRESS)
    with pytest.raises(NotAuthenticated) as unknown:
        await site.accounts.sessions.login("nobody", "not it at all", ADDRESS)
    assert wrong.value.message == unknown.value.message


async def test_login_is_throttled_and_released_by_the_clock(site: Site) -> None:
    await site.user("olga")
    for _attempt in range(5):
        with pytest.raises(NotAuthenticated):
            await site.accounts.sessions.login("olga", "wrong password", ADDRESS)
    with pytest.raises(Throttled) as throttled:
        await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)
    assert 0 < throttled.value.retry_after <= 300
    site.clock.advance(300)
    await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)


async def test_concurrent_guesses_cannot_outrun_the_throttle(site: Site) -> None:
    """Fifty wrong passwords sent at once must not all be checked: the throttle sees each failure."""
    await site.user("olga")
    results = await asyncio.gather(
        *(site.accounts.sessions.login("olga", f"guess number {n}", ADDRESS) for n in range(50)),
        return_exceptions=True,
    )
    checked = sum(isinstance(r, NotAuthenticated) for r in results)
    refused = sum(isinstance(r, Throttled) for r in results)
    assert (checked, refused) == (5, 45)


class _LoopWatchingPasswords(Passwords):
    """The production hasher that, before each hash or check, has the event loop run a coroutine and waits
    for its answer. On a worker thread the loop answers at once; on the loop's own thread it never could
    (the loop is busy hashing), so the wait runs out and the login fails."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._loop = loop
        self.served = 0

    def _loop_answers(self) -> None:
        async def serve() -> None:
            self.served += 1

        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=30)

    def hash(self, password: str) -> str:
        self._loop_answers()
        return super().hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        self._loop_answers()
        return super().verify(password_hash, password)


async def test_logins_do_not_stall_the_event_loop(tmp_path: Path) -> None:
    """argon2 takes a large fraction of a second on purpose: with the production hasher, the loop must go
    on serving (screen pops, websockets) while a password is checked, so every hash and check runs where
    the loop can answer meanwhile (asserted, not timed: a busy machine stalls any loop now and then)."""
    config = make_config(str(tmp_path / "var"))
    async with build_site(config) as site:
        passwords = _LoopWatchingPasswords(asyncio.get_running_loop())
        real = AccountService(site.services.db, LoginThrottle(), hasher=passwords)
        await real.users.create_user(TEST_ACTOR, NewUser("olga", Role.OPERATOR, 1, password=PASSWORD))
        await real.sessions.login("olga", PASSWORD, ADDRESS)
        with pytest.raises(NotAuthenticated):
            await real.sessions.login("olga", "wrong password", ADDRESS)
        await real.users.change_password(
            await real.users.user_by_name("olga"), PASSWORD, "another good passphrase", "", ADDRESS
        )
        assert passwords.served >= 4, "each hash and check should have run beside a serving loop"


async def test_a_disabled_user_cannot_log_in_and_loses_sessions(site: Site) -> None:
    user = await site.user("olga")
    secret, _session, _user = await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)
    await site.accounts.users.update_user(TEST_ACTOR, user.id, UserChanges(active=False))
    assert await site.accounts.sessions.session(secret) is None
    with pytest.raises(NotAuthenticated):
        await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)


async def test_sessions_expire_and_are_purged(site: Site) -> None:
    await site.user("olga")
    secret, _session, _user = await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)
    later = AccountService(site.services.db, LoginThrottle(), clock=lambda: utcnow() + timedelta(hours=13))
    assert await later.sessions.session(secret) is None
    assert await site.accounts.sessions.session(secret) is not None
    assert await later.sessions.purge_sessions() == 1
    assert await site.accounts.sessions.session(secret) is None


async def test_logout_ends_only_that_session(site: Site) -> None:
    user = await site.user("olga")
    desk, _s, _u = await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)
    phone, _s, _u = await site.accounts.sessions.login("olga", PASSWORD, "10.0.0.9")
    await site.accounts.sessions.logout(desk, user, ADDRESS)
    assert await site.accounts.sessions.session(desk) is None
    assert await site.accounts.sessions.session(phone) is not None


# --- passwords ----------------------------------------------------------------------------------------------


async def test_change_password_keeps_this_session_and_ends_the_others(site: Site) -> None:
    user = await site.user("olga", must_change_password=True)
    desk, _s, _u = await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)
    phone, _s, _u = await site.accounts.sessions.login("olga", PASSWORD, "10.0.0.9")
    updated = await site.accounts.users.change_password(user, PASSWORD, "a new passphrase", desk, ADDRESS)
    assert not updated.must_change_password and updated.password_changed_at is not None
    assert await site.accounts.sessions.session(desk) is not None
    assert await site.accounts.sessions.session(phone) is None
    await site.accounts.sessions.login("olga", "a new passphrase", ADDRESS)
    assert [a for a, _who, _after in await audit(site, action="user.password")] == ["user.password"]


async def test_guessing_the_current_password_is_throttled_like_a_login(site: Site) -> None:
    """A stolen session must not become a way to guess the password without the login throttle."""
    user = await site.user("olga")
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            await site.accounts.users.change_password(user, "a guess", "a new passphrase", "", ADDRESS)
    with pytest.raises(Throttled):
        await site.accounts.users.change_password(user, PASSWORD, "a new passphrase", "", ADDRESS)
    with pytest.raises(Throttled):
        await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("wrong password", "a new passphrase", "old_password"),
        (PASSWORD, PASSWORD, "new_password"),
        (PASSWORD, "short", "password"),
        (PASSWORD, "x" * 257, "password"),
        (PASSWORD, " OLGA ", "password"),
    ],
)
async def test_change_password_rules(site: Site, old: str, new: str, field: str) -> None:
    user = await site.user("olga")
    with pytest.raises(ValidationError) as refused:
        await site.accounts.users.change_password(user, old, new, "", ADDRESS)
    assert refused.value.field == field
    str(refused.value)
    await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)  # unchanged


async def test_an_admin_reset_forces_a_change_and_ends_sessions(site: Site) -> None:
    boss = await site.user("boss", Role.ADMIN)
    user = await site.user("olga")
    secret, _s, _u = await site.accounts.sessions.login("olga", PASSWORD, ADDRESS)
    await site.accounts.users.update_user(Actor.of(boss), user.id, UserChanges(new_password="temporary pass"))
    assert await site.accounts.sessions.session(secret) is None
    _secret, _session, again = await site.accounts.sessions.login("olga", "temporary pass", ADDRESS)
    assert again.must_change_password
    [(_action, who, after)] = await audit(site, action="user.update")
    assert who == "boss" and after == {"password": "(reset)"}


# --- users, branches and who may change them ---------------------------------------------------------------


async def test_creating_a_user_is_audited_with_the_actor(site: Site) -> None:
    boss = await site.user("boss", Role.ADMIN)
    user, password = await site.accounts.users.create_user(
        Actor.of(boss, ADDRESS), NewUser("olga", Role.OPERATOR, 1, "Olga")
    )
    assert len(password) >= 12 and user.must_change_password
    [entry] = (
        await site.services.audit.search(AuditFilter(action="user.create", entity_id=str(user.id)))
    ).items
    assert (entry.actor_id, entry.actor_name, entry.address) == (boss.id, "boss", ADDRESS)
    assert entry.after == {
        "username": "olga",
        "display_name": "Olga",
        "role": "operator",
        "branch_id": 1,
        "active": True,
        "locale": None,
    }
    assert password not in str(entry.after)


@pytest.mark.parametrize(
    ("new", "error", "field"),
    [
        (NewUser("o", Role.OPERATOR, 1, password=PASSWORD), ValidationError, "username"),
        (NewUser("has space", Role.OPERATOR, 1, password=PASSWORD), ValidationError, "username"),
        (NewUser("-dash", Role.OPERATOR, 1, password=PASSWORD), ValidationError, "username"),
        (NewUser("x" * 65, Role.OPERATOR, 1, password=PASSWORD), ValidationError, "username"),
        (NewUser("olga2", Role.OPERATOR, 1, password="short"), ValidationError, "password"),
        (NewUser("olga2", Role.OPERATOR, 999, password=PASSWORD), ValidationError, "branch_id"),
        (NewUser("OLGA", Role.OPERATOR, 1, password=PASSWORD), Conflict, None),
    ],
)
async def test_create_user_rules(site: Site, new: NewUser, error: type[Exception], field: str | None) -> None:
    await site.user("olga")
    with pytest.raises(error) as refused:
        await site.accounts.users.create_user(TEST_ACTOR, new)
    assert getattr(refused.value, "field", None) == field
    str(refused.value)


async def test_services_check_permissions_too(site: Site) -> None:
    """The API and the CLI reach the service directly: it must refuse what the pages refuse."""
    operator = Actor.of(await site.user("olga"))
    supervisor = Actor.of(await site.user("sue", Role.SUPERVISOR))
    for actor in (operator, supervisor):
        with pytest.raises(PermissionDenied):
            await site.accounts.users.create_user(actor, NewUser("eve", Role.ADMIN, 1, password=PASSWORD))
        with pytest.raises(PermissionDenied):
            await site.accounts.branches.create_branch(actor, BranchFields("evil", "Evil"))
        with pytest.raises(PermissionDenied):
            await site.accounts.users.update_user(actor, 1, UserChanges(role=Role.OPERATOR))
    assert [u.username for u in (await site.accounts.users.list_users(PageRequest())).items] == [
        "admin",
        "olga",
        "sue",
    ]


async def test_a_disabled_admin_loses_their_rights(site: Site) -> None:
    boss = await site.user("boss", Role.ADMIN)
    await site.accounts.users.update_user(TEST_ACTOR, boss.id, UserChanges(active=False))
    with pytest.raises(PermissionDenied):
        await site.accounts.branches.create_branch(Actor.of(boss), BranchFields("east", "East"))


async def test_an_admin_cannot_lock_themself_out(site: Site) -> None:
    boss = await site.user("boss", Role.ADMIN)
    for change in (UserChanges(active=False), UserChanges(role=Role.OPERATOR)):
        with pytest.raises(ValidationError):
            await site.accounts.users.update_user(Actor.of(boss), boss.id, change)
    assert (await site.accounts.users.get_user(boss.id)).role is Role.ADMIN


async def test_branches_are_validated_and_audited(site: Site) -> None:
    boss = Actor.of(await site.user("boss", Role.ADMIN))
    east = await site.accounts.branches.create_branch(
        boss, BranchFields(" east ", " East side ", phone="021 1234")
    )
    assert (east.code, east.name) == ("east", "East side")
    with pytest.raises(Conflict):
        await site.accounts.branches.create_branch(boss, BranchFields("east", "Again"))
    with pytest.raises(Conflict):
        await site.accounts.branches.update_branch(boss, east.id, BranchFields("main", "East side"))
    with pytest.raises(ValidationError):
        await site.accounts.branches.create_branch(boss, BranchFields("", "Nameless"))
    with pytest.raises(NotFound):
        await site.accounts.branches.update_branch(boss, 999, BranchFields("x", "X"))
    await site.accounts.branches.update_branch(boss, east.id, BranchFields("east", "East", active=False))
    [(_action, who, after)] = await audit(site, action="branch.update")
    assert who == "boss" and after == {"name": "East", "active": False, "phone": ""}


async def test_user_search_treats_wildcards_literally(site: Site) -> None:
    for name in ("ab", "a_b", "axb"):
        await site.user(name)
    found = await site.accounts.users.list_users(PageRequest(), text="_")
    assert [u.username for u in found.items] == ["a_b"]
    assert (await site.accounts.users.list_users(PageRequest(), text="%")).items == []


# --- API tokens ---------------------------------------------------------------------------------------------


async def test_tokens_authenticate_until_revoked(site: Site) -> None:
    user = await site.user("olga")
    secret, token = await site.accounts.tokens.create_token(Actor.of(user), user.id, "desk script")
    assert secret.startswith("ctid_") and token.prefix == secret[:12]
    assert (await site.accounts.tokens.token_user(secret)) == user
    assert await site.accounts.tokens.token_user("ctid_" + "x" * 43) is None
    assert await site.accounts.tokens.token_user(secret[5:]) is None
    await site.accounts.tokens.token_use.written()
    [listed] = await site.accounts.tokens.list_tokens(user.id)
    assert listed.last_used_at is not None
    await site.accounts.tokens.revoke_token(Actor.of(user), token.id)
    assert await site.accounts.tokens.token_user(secret) is None
    actions = [a for a, _who, _after in await audit(site, entity_type="api_token")]
    assert actions == ["token.revoke", "token.create"]


async def test_tokens_of_others_need_the_right(site: Site) -> None:
    olga, oscar = await site.user("olga"), await site.user("oscar")
    boss = await site.user("boss", Role.ADMIN)
    with pytest.raises(PermissionDenied):
        await site.accounts.tokens.create_token(Actor.of(olga), oscar.id, "sneaky")
    _secret, token = await site.accounts.tokens.create_token(Actor.of(oscar), oscar.id, "own")
    with pytest.raises(PermissionDenied):
        await site.accounts.tokens.revoke_token(Actor.of(olga), token.id)
    revoked = await site.accounts.tokens.revoke_token(Actor.of(boss), token.id)
    assert not revoked.active
    with pytest.raises(NotFound):
        await site.accounts.tokens.revoke_token(Actor.of(boss), 999)
    with pytest.raises(ValidationError):
        await site.accounts.tokens.create_token(Actor.of(olga), olga.id, "   ")


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("020-8888-1234 转 801", "020-8888-1234 转 801"),
        ("（０２０）８８８８ １２３４", "(020)8888 1234"),
        ("", ""),
    ],
)
async def test_a_branch_phone_is_a_phone_number(site: Site, phone: str, stored: str) -> None:
    branch = await site.accounts.branches.create_branch(TEST_ACTOR, BranchFields("east", "东区", phone=phone))
    assert branch.phone == stored


@pytest.mark.parametrize("phone", ["电话号码abc", "12", "call me"])
async def test_a_branch_phone_that_is_not_a_number_is_refused_by_name(site: Site, phone: str) -> None:
    with pytest.raises(ValidationError) as refused:
        await site.accounts.branches.create_branch(TEST_ACTOR, BranchFields("east", "东区", phone=phone))
    assert refused.value.field == "phone"
