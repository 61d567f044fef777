"""SQL for branches, users, sessions and API tokens. Functions take an open connection so that the
service decides the transaction (a change and its audit entry commit together)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import ApiToken, Branch, Role, Session, User
from ctid.accounts.tables import api_tokens, branches, sessions, user_lines, users
from ctid.core.paging import Page, PageRequest
from ctid.storage.db import fetch_page

_USER_COLUMNS = [c for c in users.c if c.name != "password_hash"]


# --- branches ---------------------------------------------------------------------------------------------


async def insert_branch(conn: AsyncConnection, values: dict[str, Any]) -> Branch:
    result = await conn.execute(insert(branches).values(**values).returning(*branches.c))
    return _branch(result.mappings().one())


async def update_branch(conn: AsyncConnection, branch_id: int, values: dict[str, Any]) -> Branch:
    result = await conn.execute(
        update(branches).where(branches.c.id == branch_id).values(**values).returning(*branches.c)
    )
    return _branch(result.mappings().one())


async def get_branch(conn: AsyncConnection, branch_id: int) -> Branch | None:
    row = (await conn.execute(select(branches).where(branches.c.id == branch_id))).mappings().first()
    return _branch(row) if row else None


async def branch_by_code(conn: AsyncConnection, code: str) -> Branch | None:
    row = (await conn.execute(select(branches).where(branches.c.code == code))).mappings().first()
    return _branch(row) if row else None


async def first_branch(conn: AsyncConnection) -> Branch | None:
    row = (await conn.execute(select(branches).order_by(branches.c.id).limit(1))).mappings().first()
    return _branch(row) if row else None


async def list_branches(conn: AsyncConnection) -> list[Branch]:
    rows = await conn.execute(select(branches).order_by(branches.c.code))
    return [_branch(r) for r in rows.mappings()]


def _branch(row: RowMapping) -> Branch:
    return Branch(**{c.name: row[c.name] for c in branches.c})


# --- users ------------------------------------------------------------------------------------------------


async def insert_user(conn: AsyncConnection, values: dict[str, Any]) -> User:
    result = await conn.execute(insert(users).values(**values).returning(*_USER_COLUMNS))
    return _user(result.mappings().one())


async def update_user(conn: AsyncConnection, user_id: int, values: dict[str, Any]) -> User:
    result = await conn.execute(
        update(users).where(users.c.id == user_id).values(**values).returning(*_USER_COLUMNS)
    )
    return _user(result.mappings().one())


async def get_user(conn: AsyncConnection, user_id: int) -> User | None:
    row = (await conn.execute(select(*_USER_COLUMNS).where(users.c.id == user_id))).mappings().first()
    return _user(row) if row else None


async def users_by_ids(conn: AsyncConnection, ids: set[int]) -> dict[int, User]:
    rows = await conn.execute(select(*_USER_COLUMNS).where(users.c.id.in_(sorted(ids))))
    return {u.id: u for u in map(_user, rows.mappings())}


async def user_with_hash(conn: AsyncConnection, username: str) -> tuple[User, str] | None:
    """A user and its password hash, by user name (case-insensitive), for logging in."""
    query = select(users).where(func.lower(users.c.username) == username.strip().lower())
    row = (await conn.execute(query)).mappings().first()
    return (_user(row), row["password_hash"]) if row else None


async def password_hash(conn: AsyncConnection, user_id: int) -> str | None:
    value = await conn.scalar(select(users.c.password_hash).where(users.c.id == user_id))
    return str(value) if value is not None else None


async def count_users(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.count()).select_from(users)) or 0)


async def list_users(
    conn: AsyncConnection,
    page: PageRequest,
    branch_id: int | None = None,
    role: Role | None = None,
    text: str = "",
) -> Page[User]:
    conditions = []
    if branch_id is not None:
        conditions.append(users.c.branch_id == branch_id)
    if role is not None:
        conditions.append(users.c.role == role.value)
    if text:
        pattern = f"%{_escape_like(text)}%"
        conditions.append(
            or_(
                users.c.username.ilike(pattern, escape="\\"), users.c.display_name.ilike(pattern, escape="\\")
            )
        )
    query = select(*_USER_COLUMNS).where(*conditions)
    return await fetch_page(conn, query, [users.c.username], page, _user)


def _user(row: RowMapping) -> User:
    values = {c.name: row[c.name] for c in _USER_COLUMNS}
    values["role"] = Role(values["role"])
    return User(**values)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- sessions ---------------------------------------------------------------------------------------------


async def insert_session(conn: AsyncConnection, token_hash: str, session: Session, address: str) -> None:
    await conn.execute(
        insert(sessions).values(
            token_hash=token_hash,
            user_id=session.user_id,
            csrf_token=session.csrf_token,
            address=address,
            created_at=session.created_at,
            expires_at=session.expires_at,
        )
    )


async def session_by_hash(conn: AsyncConnection, token_hash: str, now: datetime) -> Session | None:
    query = select(sessions).where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return Session(
        user_id=row["user_id"],
        csrf_token=row["csrf_token"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


async def live_credentials(
    conn: AsyncConnection, session_hashes: Collection[str], token_hashes: Collection[str], now: datetime
) -> dict[str, User]:
    """Which of these session and token hashes still let an active user in (unexpired, unrevoked), and that
    user as they are now."""
    live: dict[str, User] = {}
    if session_hashes:
        query = (
            select(sessions.c.token_hash.label("credential"), *_USER_COLUMNS)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash.in_(session_hashes), sessions.c.expires_at > now, users.c.active)
        )
        live.update((row["credential"], _user(row)) for row in (await conn.execute(query)).mappings())
    if token_hashes:
        query = (
            select(api_tokens.c.token_hash.label("credential"), *_USER_COLUMNS)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(
                api_tokens.c.token_hash.in_(token_hashes), api_tokens.c.revoked_at.is_(None), users.c.active
            )
        )
        live.update((row["credential"], _user(row)) for row in (await conn.execute(query)).mappings())
    return live


async def delete_session(conn: AsyncConnection, token_hash: str) -> None:
    await conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


async def delete_user_sessions(conn: AsyncConnection, user_id: int, keep: str | None = None) -> None:
    query = delete(sessions).where(sessions.c.user_id == user_id)
    if keep is not None:
        query = query.where(sessions.c.token_hash != keep)
    await conn.execute(query)


async def purge_expired_sessions(conn: AsyncConnection, now: datetime) -> int:
    result = await conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
    return result.rowcount


# --- API tokens -------------------------------------------------------------------------------------------


async def insert_token(conn: AsyncConnection, values: dict[str, Any]) -> ApiToken:
    columns = [c for c in api_tokens.c if c.name != "token_hash"]
    result = await conn.execute(insert(api_tokens).values(**values).returning(*columns))
    return _token(result.mappings().one())


async def token_by_hash(conn: AsyncConnection, token_hash: str) -> ApiToken | None:
    row = (
        (await conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)))
        .mappings()
        .first()
    )
    return _token(row) if row else None


async def get_token(conn: AsyncConnection, token_id: int) -> ApiToken | None:
    row = (await conn.execute(select(api_tokens).where(api_tokens.c.id == token_id))).mappings().first()
    return _token(row) if row else None


async def list_tokens(conn: AsyncConnection, user_id: int | None = None) -> list[ApiToken]:
    query = select(api_tokens).order_by(api_tokens.c.id.desc())
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [_token(r) for r in (await conn.execute(query)).mappings()]


async def set_token_times(conn: AsyncConnection, token_id: int, **times: datetime) -> None:
    await conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(**times))


def _token(row: RowMapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


# --- the lines a user's console follows ---------------------------------------------------------------------


async def bound_lines(conn: AsyncConnection, user_id: int) -> list[str]:
    rows = await conn.execute(
        select(user_lines.c.line).where(user_lines.c.user_id == user_id).order_by("line")
    )
    return [r[0] for r in rows]


async def bound_lines_of(conn: AsyncConnection, user_ids: Collection[int]) -> dict[int, frozenset[str]]:
    """The lines bound to each of these users (an empty set for a user with none), in one statement."""
    found: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    if found:
        query = select(user_lines.c.user_id, user_lines.c.line).where(user_lines.c.user_id.in_(sorted(found)))
        for user_id, line in await conn.execute(query):
            found[user_id].add(line)
    return {user_id: frozenset(lines) for user_id, lines in found.items()}


async def operators_on(conn: AsyncConnection, line: str) -> list[int]:
    """Active operators whose console follows this line (the person who takes its calls, when one)."""
    query = (
        select(users.c.id)
        .select_from(user_lines.join(users, users.c.id == user_lines.c.user_id))
        .where(user_lines.c.line == line, users.c.active.is_(True), users.c.role == "operator")
        .order_by(users.c.id)
    )
    return [r[0] for r in await conn.execute(query)]


async def set_bound_lines(conn: AsyncConnection, user_id: int, lines: list[str]) -> None:
    await conn.execute(delete(user_lines).where(user_lines.c.user_id == user_id))
    if lines:
        await conn.execute(insert(user_lines), [{"user_id": user_id, "line": line} for line in lines])
