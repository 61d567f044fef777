"""A live site for the HTTP fuzz tests: the real app on a real port, driven by raw HTTP from the test.

Hypothesis drives synchronous tests, so the site runs on an event loop of its own in a thread: one site per
module (building one per example would cost seconds), and the requests are raw bytes over
``http.client`` so that a test can send what no polite client would (bad percent escapes, invalid UTF-8,
NUL bytes, chunked bodies). ``fingerprint`` reads every table of the site's database (SQLite or
PostgreSQL) to prove that a refused request stored nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import re
import threading
from collections.abc import Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy import Connection, TextClause, inspect, text

from ctid.accounts.models import Role, User
from ctid.core.config import Config
from ctid.web.app import make_app
from tests.support.site import PASSWORD, Site, build_site, make_config

T = TypeVar("T")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))  # sent as they are; anything else as UTF-8 escapes
# Written by reading, not by changing: when a token was last used, how long a session still lasts.
VOLATILE = {"api_tokens": {"last_used_at"}, "sessions": {"expires_at"}, "alembic_version": {"version_num"}}


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class LiveSite:
    """The daemon's services and web app, served on 127.0.0.1 from a loop in a background thread."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.site: Site
        self.port = 0
        self._read: TextClause | None = None  # every table's rows, once the tables are known
        self._tables: list[str] = []
        self._stop: asyncio.Event
        self._stopped: asyncio.Future[None]

    def start(self) -> None:
        self.thread.start()
        ready: asyncio.Future[None] = asyncio.run_coroutine_threadsafe(self._serve_ready(), self.loop)  # type: ignore[assignment]
        ready.result(timeout=60)

    async def _serve_ready(self) -> None:
        started: asyncio.Future[None] = self.loop.create_future()
        self._stop = asyncio.Event()
        self._stopped = asyncio.ensure_future(self._serve(started))
        await started

    async def _serve(self, started: asyncio.Future[None]) -> None:
        async with build_site(self.config) as site:
            self.site = site
            runner = web.AppRunner(make_app(site.services), access_log=None)
            await runner.setup()
            tcp = web.TCPSite(runner, "127.0.0.1", 0)
            await tcp.start()
            self.port = runner.addresses[0][1]
            started.set_result(None)
            await self._stop.wait()
            await runner.cleanup()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the site's loop (to seed data through the services) and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        asyncio.run_coroutine_threadsafe(asyncio.wait_for(self._wait_stopped(), 30), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()

    async def _wait_stopped(self) -> None:
        await self._stopped

    def user(self, username: str, role: Role, branch_id: int | None = None) -> User:
        return self.run(self.site.user(username, role, branch_id=branch_id))

    def token(self, user: User) -> str:
        return self.run(self.site.token(user))[0]

    def fingerprint(self) -> dict[str, str]:
        """A digest of every table's rows (but the columns reading writes to): equal, nothing changed."""
        return self.run(self._fingerprint())

    async def _fingerprint(self) -> dict[str, str]:
        async with self.site.services.db.connect() as conn:
            if self._read is None:  # the tables stay what they are: reflected once (dozens of queries)
                columns = await conn.run_sync(_columns)
                self._tables = sorted(columns)
                self._read = _read_every_row(conn.dialect.name, columns)
            rows: dict[str, list[str]] = {name: [] for name in self._tables}
            for name, row in await conn.execute(self._read):
                rows[name].append(row)
        return {
            name: hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()
            for name, found in rows.items()
        }


def _columns(conn: Connection) -> dict[str, list[str]]:
    """Every table's column names (SQLite's own tables and indexes are not tables here)."""
    found = inspect(conn)
    return {t: [c["name"] for c in found.get_columns(t)] for t in found.get_table_names()}


def _read_every_row(dialect: str, columns: dict[str, list[str]]) -> TextClause:
    """One statement that reads every row of every table as (table, the row as text): one round trip
    instead of one a table (on PostgreSQL those were three quarters of a fuzz test's time). The text is
    exact: PostgreSQL's row literal; on SQLite each value's SQL literal, text as the hex of its bytes (a
    literal would end at a NUL)."""
    reads = []
    for name, names in sorted(columns.items()):
        kept = [f'"{c}"' for c in names if c not in VOLATILE.get(name, ())]
        if not kept:
            row = "'1'"
        elif dialect == "postgresql":
            row = f"CAST(ROW({', '.join(kept)}) AS text)"
        else:
            row = " || ',' || ".join(
                f"CASE typeof({c}) WHEN 'text' THEN 'T' || hex({c}) ELSE quote({c}) END" for c in kept
            )
        reads.append(f"SELECT CAST('{name}' AS text), CAST({row} AS text) FROM \"{name}\"")
    return text("\nUNION ALL\n".join(reads))


@contextmanager
def live_site(tmp_path: Path, database_url: str) -> Iterator[LiveSite]:
    """The site on ``database_url`` (the ``module_database_url`` fixture: each backend in turn)."""
    live = LiveSite(make_config(str(tmp_path / "var"), database_url))
    live.start()
    try:
        yield live
    finally:
        live.stop()


@dataclass
class Client:
    """Raw HTTP to the live site, with a Bearer token or a session cookie and its CSRF token."""

    port: int
    token: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str | bytes] | None = None,
    ) -> Answer:
        """``target`` goes on the request line as it is (percent escapes are the caller's to get wrong);
        only what cannot be on a request line (non-ASCII, spaces, controls) is escaped as UTF-8."""
        sent: dict[str, str | bytes] = {"Connection": "close", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, quote(target, safe=_PRINTABLE), skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            if body is not None and "Transfer-Encoding" not in sent:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            answer = Answer(response.status, response.getheader("Content-Type", ""), response.read())
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return answer
        finally:
            connection.close()

    def json(self, method: str, target: str, body: bytes) -> Answer:
        headers = {"Content-Type": "application/json"}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        return self.request(method, target, body, headers)

    def get_page(self, target: str) -> Answer:
        answer = self.request("GET", target)
        if found := CSRF_INPUT.search(answer.text):
            self.csrf = found.group(1).replace("&#43;", "+").replace("&amp;", "&")
        return answer

    def post_form(self, target: str, form: list[tuple[str, str]] | bytes) -> Answer:
        """A form post with this session's CSRF token (as a field, the way a browser's form sends it)."""
        if isinstance(form, bytes):
            body = form + b"&csrf_token=" + self.csrf.encode()
        else:
            body = urlencode([*form, ("csrf_token", self.csrf)]).encode()
        return self.request("POST", target, body, {"Content-Type": "application/x-www-form-urlencoded"})


def browser(live: LiveSite, username: str) -> Client:
    """A logged-in browser session (cookie and CSRF token) of ``username``."""
    client = Client(live.port)
    client.get_page("/login")
    answer = client.post_form("/login", [("username", username), ("password", PASSWORD), ("next", "/")])
    assert answer.status == 303, answer.text[:500]
    client.get_page("/account/password")
    assert client.csrf
    return client
