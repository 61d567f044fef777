"""Screen-pop latency of the real daemon: from the last caller-ID byte to ``call.identified`` on the consoles.

    .venv/bin/python bench/pop_latency.py [--customers 1000000] [--clients 200] [--bound 1] [--calls 200]
        [--database-url postgresql+asyncpg://user@host/NAME]

The set-up, as in a busy dealer group:

- the customers are generated once with ``ctid.sampledata.bulk`` (as ``bench/crm_lookup.py`` does, into the
  same cache file, ``ctid-bench/crm-<customers>.sqlite3`` in the temp dir; about 50 s for a million) and
  copied into a fresh data dir for every run; with ``--database-url`` of a PostgreSQL database the run's
  database is that one, made anew as a copy of the same customers on the server
  (``bench/server_database.py``);
- ``--clients`` consoles, each a user of the bulk customers' branch with an API token of its own: ``--bound``
  operators bound to the line (the first of them is "the bound console": the operator who picks up), the
  others supervisors of the branch (who follow every line of it), so that every console gets every pop.
  The hub writes to the line's operators before the supervisors who watch; ``--bound 180`` measures the
  bound console as one of 180 operators on one line (then its place among them decides its figure);
- ``python -m ctid run`` with one modem line (formatted caller ID) on a fake pty modem
  (``tests/support/fakemodem.py``);
- every console connected to ``/ws`` with ``Authorization: Bearer``, offering permessage-deflate as browsers
  do (``--no-deflate``: as a program that does not).

Per call: RING; once every console has ``call.ringing``, ``--settle-ms`` (a real exchange sends caller ID
~0.5 s after the first ring; the pause lets the call log write the ring); the caller ID (``DATE``, ``TIME``,
``NMBR`` lines, the national number of a customer who alone has it, so the pop carries a whole card); then the
call rings out (``ring_timeout_s`` = 0.5 s, ends as missed) and every console gets ``call.ended`` before the
next call. Measured from ``time.monotonic()`` right after the NMBR line's last byte went into the pty to the
``time.monotonic()`` at which a console's socket handed this process the frame: for the bound console, and
for the last of all consoles. CLOCK_MONOTONIC is one clock for the whole machine, so both stamps compare.

How receipt is stamped: all consoles live in this one process, so they are not aiohttp clients (a task
wake-up and a parse per message per console would put this process's own queueing into the figures) but bare
``asyncio.Protocol`` websockets: ``data_received`` stamps the read first, then unframes it (and inflates it,
to learn the message type) and does nothing else; the JSON is parsed and checked after the call. The stamp is
still taken one console at a time: the last console's stamp waits for the reads of the others this process
handled before it. That share is printed ("this process's own work"), as is the first console's figure.

For reading the figures, also printed: the daemon's ``CallIdentified`` from its control socket's ``watch``
stream (its ``mono`` stamp, as in ``bench/callerid_latency.py``), which splits the figure into the caller-ID
part and the pop part (lookup, card, delivery); the bound console's place in the order the consoles got the
pop (the daemon sends to all of the line's consoles alike, so this place decides much of its figure); and the
size of the pop's JSON.

Also: number-to-customer lookup alone, ``CustomerDirectory.match`` of ``--lookups`` stored numbers through the
real ``Database`` (reader thread included) on the copied database before the daemon starts, each awaited alone
(``bench/crm_lookup.py``'s ``timed``). Targets: bound console p99 < 10 ms, all consoles p99 < 50 ms, lookup
p99 < 1 ms. Exit status 0 when every target is met with no failed call.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import gc
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.callerid_latency import Events
from bench.crm_lookup import MATCH_TARGET_MS, WARMUP, prepare, timed
from bench.server_database import database_section, fresh_copy, is_server
from bench.support import modem_daemon, percentile, write
from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.control import watching
from ctid.core.phone import PhoneNormaliser
from ctid.core.private_files import restrict_umask
from ctid.crm.service import CustomerDirectory
from ctid.sampledata import bulk
from ctid.storage.db import Database
from tests.support.daemon import Daemon
from tests.support.fakemodem import FakeModem, formatted
from tests.support.site import fast_passwords

LINE = "desk"
RING_TIMEOUT_S = 0.5
BOUND_TARGET_MS = 10.0
ALL_TARGET_MS = 50.0
PASSWORD = "pop-bench-password"
WAIT_S = 5.0
CONNECTING = 50  # consoles opening at once (the server's listen backlog is larger)

HELLO, RINGING, IDENTIFIED, ENDED = b"hello", b"call.ringing", b"call.identified", b"call.ended"
TYPE_PREFIX = b'{"type": "'
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
DEFLATE_TAIL = b"\x00\x00\xff\xff"


# --- the consoles -------------------------------------------------------------------------------------------


@dataclass
class Board:
    """What the consoles received during the current call: per message type, per console, the first such
    message's receipt stamp and payload; plus how long each read took this process (for its own share)."""

    clients: int
    seen: dict[bytes, dict[int, tuple[float, bytes]]] = field(default_factory=dict)
    reads: dict[tuple[int, float], float] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    _complete: dict[bytes, asyncio.Event] = field(default_factory=dict)

    def clear(self) -> None:
        self.seen, self.reads, self._complete = {}, {}, {}

    def arrived(self, kind: bytes, client: int, stamp: float, payload: bytes) -> None:
        got = self.seen.get(kind)
        if got is None:
            got = self.seen[kind] = {}
        if client not in got:
            got[client] = (stamp, payload)
            if len(got) == self.clients and (event := self._complete.get(kind)) is not None:
                event.set()

    async def everyone(self, kind: bytes, within_s: float = WAIT_S) -> bool:
        """Until every console has had a message of this type since ``clear()``; False on time-out."""
        if len(self.seen.get(kind, ())) >= self.clients:
            return True
        event = self._complete.setdefault(kind, asyncio.Event())
        try:
            async with asyncio.timeout(within_s):
                await event.wait()
        except TimeoutError:
            return False
        return True


class Console(asyncio.Protocol):
    """A bare websocket client: handshake with a Bearer token, then stamp, unframe and hand over each read."""

    def __init__(self, board: Board, index: int, port: int, token: str, deflate: bool) -> None:
        self.board, self.index = board, index
        self._key = base64.b64encode(os.urandom(16))
        offer = (
            b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if deflate else b""
        )
        self._request = (
            (
                f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n"
            ).encode()
            + b"Sec-WebSocket-Key: "
            + self._key
            + b"\r\n"
            + offer
            + b"\r\n"
        )
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.inflating = False
        self._takeover = True
        self._inflater = zlib.decompressobj(-15)
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"console {self.index}: closed during the handshake"))
        self.board.lost.append(f"console {self.index}: connection lost ({exc or 'closed'})")

    def data_received(self, data: bytes) -> None:
        stamp = time.monotonic()
        self._buffer += data
        if not self.opened.done() and not self._handshake():
            return
        self._frames(stamp)
        self.board.reads[self.index, stamp] = time.monotonic()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _handshake(self) -> bool:
        head, found, rest = bytes(self._buffer).partition(b"\r\n\r\n")
        if not found:
            return False
        self._buffer[:] = rest
        status, *lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in lines)
        }
        accept = base64.b64encode(hashlib.sha1(self._key + WS_GUID).digest()).decode()
        if status.split()[1:2] != ["101"] or headers.get("sec-websocket-accept") != accept:
            self.opened.set_exception(ConnectionError(f"console {self.index}: refused: {status}"))
            return False
        extensions = headers.get("sec-websocket-extensions", "")
        self.inflating = "permessage-deflate" in extensions
        self._takeover = "server_no_context_takeover" not in extensions
        self.opened.set_result(None)
        return True

    def _frames(self, stamp: float) -> None:
        buffer, at = self._buffer, 0
        while len(buffer) - at >= 2:
            first, length, head = buffer[at], buffer[at + 1] & 0x7F, 2
            if length >= 126:
                head = 4 if length == 126 else 10
                if len(buffer) - at < head:
                    break
                length = int.from_bytes(buffer[at + 2 : at + head], "big")
            if len(buffer) - at < head + length:
                break
            payload = bytes(buffer[at + head : at + head + length])
            at += head + length
            self._frame(first, payload, stamp)
        del buffer[:at]

    def _frame(self, first: int, payload: bytes, stamp: float) -> None:
        opcode = first & 0x0F
        if opcode == TEXT:
            assert first & 0x80, "a fragmented message: the server never sends one"
            if first & 0x40:
                if not self._takeover:
                    self._inflater = zlib.decompressobj(-15)
                payload = self._inflater.decompress(payload + DEFLATE_TAIL)
            kind = payload[10 : payload.find(b'"', 10)] if payload.startswith(TYPE_PREFIX) else b""
            self.board.arrived(kind, self.index, stamp, payload)
        elif opcode == PING:
            self._send(PONG, payload)
        elif opcode == CLOSE:
            code = int.from_bytes(payload[:2], "big") if payload else None
            self.board.lost.append(f"console {self.index}: closed by the daemon, code {code}")
            self.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        assert len(payload) < 126 and self._transport is not None
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self._transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


async def connect(board: Board, port: int, tokens: list[str], deflate: bool) -> list[Console]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECTING)

    async def one(index: int, token: str) -> Console:
        async with gate:
            _transport, console = await loop.create_connection(
                lambda: Console(board, index, port, token, deflate), "127.0.0.1", port
            )
            await asyncio.wait_for(console.opened, WAIT_S)
            return console

    board.clear()
    consoles = await asyncio.gather(*(one(index, token) for index, token in enumerate(tokens)))
    if not await board.everyone(HELLO):
        raise RuntimeError(f"only {len(board.seen.get(HELLO, ()))} of {len(tokens)} consoles got hello")
    return consoles


# --- preparing the data dir ---------------------------------------------------------------------------------


def national(e164: str, normaliser: PhoneNormaliser) -> str | None:
    """The number as a Chinese exchange's caller ID gives it (mobile as is, landline with its 0 prefix)."""
    if not e164.startswith("+86"):
        return None
    digits = e164.removeprefix("+86")
    number = digits if digits.startswith("1") else "0" + digits
    return number if normaliser.normalise(number).e164 == e164 else None


@dataclass
class Site:
    tokens: list[str]
    """One per console; the first is the bound operator's."""
    numbers: list[str]
    """Caller IDs of customers who alone have that number."""
    lookup_ms: list[float]
    supervisors: int


async def prepare_site(url: str, cache: Path, clients: int, bound: int, lookups: int, seed: int) -> Site:
    """Time the lookups, pick the callers and add the consoles' users, all in the copied database at
    ``url`` (the numbers drawn from the cache file, which holds the same rows)."""
    db = Database(url)
    await db.start()
    await db.kept_in_memory()  # as in the daemon once started: lookups read no disk
    try:
        normaliser = PhoneNormaliser("CN")
        directory = CustomerDirectory(db, normaliser)
        numbers = bulk.known_numbers(cache, lookups + WARMUP, seed=seed)
        await timed([functools.partial(directory.match, n) for n in numbers[:WARMUP]])
        numbers = numbers[WARMUP:]
        lookup_ms = await timed([functools.partial(directory.match, n) for n in numbers])
        single = [n for n in numbers if len(await directory.match(n)) == 1]
        callers = list(dict.fromkeys(x for n in single if (x := national(n, normaliser)) is not None))
        tokens, supervisors = await add_consoles(
            AccountService(db, LoginThrottle(), fast_passwords()), clients, bound
        )
    finally:
        await db.stop()
    return Site(tokens, callers, lookup_ms, supervisors)


async def add_consoles(accounts: AccountService, clients: int, bound: int) -> tuple[list[str], int]:
    """Users of the bulk customers' branch, a token each: ``bound`` operators bound to the line first, then
    supervisors."""
    actor = Actor.system("pop-bench")
    branch = await accounts.branches.branch_by_code(bulk.BULK_BRANCH[0])
    tokens, supervisors = [], 0
    for index in range(clients):
        supervisor = index >= bound
        role = Role.SUPERVISOR if supervisor else Role.OPERATOR
        new = NewUser(f"pop-{index:04d}", role, branch.id, f"Console {index}", PASSWORD, False)
        user, _password = await accounts.users.create_user(actor, new)
        if not supervisor:
            await accounts.bindings.bind_lines(actor, user.id, [LINE], {LINE})
        tokens.append((await accounts.tokens.create_token(actor, user.id, "pop bench"))[0])
        supervisors += supervisor
    return tokens, supervisors


def copy_database(source: Path, directory: Path) -> Path:
    target = directory / "var" / "ctid.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        if (part := source.with_name(source.name + suffix)).exists():
            shutil.copyfile(part, target.with_name(target.name + suffix))
    return target


# --- the calls ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallTimes:
    bound_ms: float
    last_ms: float
    first_ms: float
    daemon_ms: float
    """Until the daemon published ``CallIdentified`` (its ``mono`` stamp): the caller-ID part of the pop."""
    own_ms: float
    """This process's work on other consoles' reads before it stamped the last console's."""
    bound_rank: int
    """The bound console's place in the order of receipt (1: first)."""
    size: int
    """Bytes of the message's JSON."""


@dataclass
class Results:
    calls: list[CallTimes] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class Calls:
    """What a call is played on and heard by: the modem, the consoles, the daemon's line events."""

    fake: FakeModem
    board: Board
    events: Events
    settle_s: float

    async def one(self, number: str) -> CallTimes | str:
        """Ring, caller ID, ring out: the pop's times, or why the call failed."""
        board = self.board
        board.clear()
        self.fake.ring()
        if not await board.everyone(RINGING):
            return f"{number}: call.ringing reached {len(board.seen.get(RINGING, ()))} consoles"
        await asyncio.sleep(self.settle_s)
        mark = write(self.fake, b"".join(formatted(number)))
        identified = await board.everyone(IDENTIFIED, RING_TIMEOUT_S + WAIT_S)
        ended = await board.everyone(ENDED, RING_TIMEOUT_S + WAIT_S)
        try:
            _seen, event = await self.events.next("CallIdentified", LINE)
            await self.events.next("CallEnded", LINE)
        except TimeoutError:
            return f"{number}: the daemon reported no CallIdentified or no CallEnded"
        if not (identified and ended):
            got = {kind.decode(): len(board.seen.get(kind, ())) for kind in (IDENTIFIED, ENDED)}
            return f"{number}: consoles that got each message: {got}"
        if (problem := check(board, number)) is not None:
            return problem
        return times(board, mark, event["mono"])


def check(board: Board, number: str) -> str | None:
    """The pop each console got is this call's, with the customer's card."""
    for client, (_stamp, payload) in board.seen[IDENTIFIED].items():
        message = json.loads(payload)
        if message["call"]["number"] != number or message["lookup"] != "done" or not message["customer"]:
            call, lookup = message["call"]["number"], message["lookup"]
            return (
                f"{number}: console {client} got number {call}, lookup {lookup}, card {message['customer']}"
            )
    return None


def times(board: Board, mark: float, identified: float) -> CallTimes:
    stamps = {client: stamp for client, (stamp, _payload) in board.seen[IDENTIFIED].items()}
    last = max(stamps.values())
    own = sum(board.reads[c, stamp] - stamp for c, stamp in stamps.items() if board.reads[c, stamp] <= last)
    return CallTimes(
        bound_ms=(stamps[0] - mark) * 1000,
        last_ms=(last - mark) * 1000,
        first_ms=(min(stamps.values()) - mark) * 1000,
        daemon_ms=(identified - mark) * 1000,
        own_ms=own * 1000,
        bound_rank=sorted(stamps.values()).index(stamps[0]) + 1,
        size=len(board.seen[IDENTIFIED][0][1]),
    )


async def measure(calls: Calls, numbers: list[str], count: int, warmup: int) -> Results:
    results = Results()
    gc.collect()
    gc.freeze()
    gc.disable()  # collected between calls instead, never inside one
    try:
        for index in range(warmup + count):
            outcome = await calls.one(numbers[index % len(numbers)])
            if index >= warmup:
                if isinstance(outcome, str):
                    results.failures.append(outcome)
                else:
                    results.calls.append(outcome)
            if calls.board.lost:
                results.failures += calls.board.lost
                break
            await asyncio.sleep(calls.settle_s)  # the call log writes the end of the call
            gc.collect()
    finally:
        gc.enable()
    return results


async def run(args: argparse.Namespace, directory: Path) -> tuple[Site, Results, Daemon]:
    cache = Path(tempfile.gettempdir()) / "ctid-bench" / f"crm-{args.customers}.sqlite3"
    await prepare(cache, args.customers, args.seed)
    print("copying the database and adding the consoles' users ...", flush=True)
    if is_server(args.database_url):
        url = await fresh_copy(args.database_url, cache, args.customers)
        server = database_section(url)
    else:
        url, server = f"sqlite+aiosqlite:///{copy_database(cache, directory)}", ""
    site = await prepare_site(url, cache, args.clients, args.bound, args.lookups, args.seed)
    if len(site.numbers) < args.warmup + args.calls:
        print(f"note: {len(site.numbers)} distinct callers for {args.warmup + args.calls} calls: some repeat")
    keys = f'ring_timeout_s = {RING_TIMEOUT_S}\nbranch = "{bulk.BULK_BRANCH[0]}"\n'
    async with (
        modem_daemon(directory, {LINE: "formatted"}, keys, server) as (daemon, fakes),
        watching(directory / "var" / "ctid.sock") as records,
    ):
        board, events = Board(args.clients), Events(records)
        print(f"connecting {args.clients} consoles ...", flush=True)
        consoles = await connect(board, daemon.port, site.tokens, args.deflate)
        try:
            args.deflate_taken = any(console.inflating for console in consoles)
            print(f"{args.warmup} + {args.calls} calls ...", flush=True)
            calls = Calls(fakes[LINE], board, events, args.settle_ms / 1000)
            results = await measure(calls, site.numbers, args.calls, args.warmup)
        finally:
            events.close()
            for console in consoles:
                console.close()
    return site, results, daemon


# --- the figures --------------------------------------------------------------------------------------------


def row(label: str, values: list[float], target_ms: float | None = None) -> bool:
    if not values:
        print(f"{label:<50}{0:>5}   no figures" + ("   NOT met" if target_ms is not None else ""))
        return target_ms is None
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    figures = f"{label:<50}{len(values):>5}{p50:>8.2f} ms{p99:>8.2f} ms{max(values):>8.2f} ms"
    if target_ms is None:
        print(figures)
        return True
    met = p99 < target_ms
    print(f"{figures}   p99 < {target_ms:g} ms: {'met' if met else 'NOT met'}")
    return met


def _backend(url: str | None) -> str:
    return "PostgreSQL" if is_server(url) else "SQLite"


def report(args: argparse.Namespace, site: Site, results: Results, daemon: Daemon) -> bool:
    operators = args.clients - site.supervisors
    offered = "offering" if args.deflate else "not offering"
    taken = "yes" if getattr(args, "deflate_taken", False) else "no"
    deflate = f"{offered} permessage-deflate, taken: {taken}"
    print(
        "\nscreen-pop latency: last caller-ID byte written -> call.identified received on the websocket\n"
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.1f}; "
        f"{args.customers:,} customers on {_backend(args.database_url)}; "
        f"{args.calls} calls (+{args.warmup} warm-up), {args.settle_ms:g} ms from ringing to caller ID\n"
        f"{args.clients} consoles: {operators} operators bound to the line (the first: 'the bound console'), "
        f"{site.supervisors} supervisors of its branch; consoles {deflate}\n"
        "receipt: time.monotonic() first thing in each console's asyncio.Protocol.data_received; "
        "all consoles in this one process\n"
    )
    print(f"{'':<50}{'n':>5}{'p50':>11}{'p99':>11}{'max':>11}   target")
    calls = results.calls
    met = row("bound console", [c.bound_ms for c in calls], BOUND_TARGET_MS)
    met &= row(f"all {args.clients} consoles (the last to get it)", [c.last_ms for c in calls], ALL_TARGET_MS)
    met &= row("number -> customer lookup alone (match)", site.lookup_ms, MATCH_TARGET_MS)
    print("for reading the figures:")
    if calls:
        ranks, sizes = [c.bound_rank for c in calls], [c.size for c in calls]
        place = f"p50 {percentile(ranks, 0.5):g}, range {min(ranks)}-{max(ranks)} of {args.clients}"
        size = f"{int(percentile(sizes, 0.5)):,} bytes of JSON"
        print(f"  the bound console's place in the order of receipt: {place}; the pop: {size}")
    row("  caller ID -> CallIdentified in the daemon", [c.daemon_ms for c in calls])
    row(f"  first of the {args.clients} consoles", [c.first_ms for c in calls])
    row("  this process's own work before the last stamp", [c.own_ms for c in calls])
    warnings = [line for line in daemon.stderr().splitlines() if " WARNING " in line or " ERROR " in line]
    print(f"\nfailed calls: {len(results.failures)}; daemon warnings and errors: {len(warnings)}")
    for line in results.failures[:10] + warnings[:10]:
        print(f"  {line}")
    met = met and not results.failures and len(calls) >= args.calls
    print(f"targets: {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Screen-pop latency of the real daemon (see the module doc)."
    )
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers (default 1,000,000)")
    parser.add_argument("--clients", type=int, default=200, help="websocket consoles (default 200)")
    parser.add_argument(
        "--bound", type=int, default=1, help="operators bound to the line; the rest supervise (default 1)"
    )
    parser.add_argument("--calls", type=int, default=200, help="measured calls (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="calls not counted (default 10)")
    parser.add_argument("--lookups", type=int, default=2000, help="timed lookups alone (default 2000)")
    parser.add_argument("--settle-ms", type=float, default=100, help="ringing to caller ID (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="customer generator seed (default 1)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database of the bench's own, made anew for the run (default: an SQLite file)",
    )
    parser.add_argument(
        "--no-deflate", dest="deflate", action="store_false", help="consoles do not offer permessage-deflate"
    )
    args = parser.parse_args()
    restrict_umask()  # the database copied in is made as the daemon makes files (else it warns once)
    with tempfile.TemporaryDirectory(prefix="ctid-pop-") as tmp:
        site, results, daemon = asyncio.run(run(args, Path(tmp)))
        ok = report(args, site, results, daemon)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
