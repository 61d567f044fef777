"""Wiring: build the components from a Config and run them until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any, TextIO

from ctid import __version__
from ctid.accounts.agents import Agents
from ctid.accounts.passwords import Passwords
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.audit.models import Actor
from ctid.audit.service import AuditService
from ctid.calls.dnc import DoNotCall
from ctid.calls.handlers import CallHandlers
from ctid.calls.service import CallLog
from ctid.calls.wrap_up import WrapUpCodes
from ctid.control import Command, ControlServer, event_stream
from ctid.core import logs, private_files
from ctid.core.clock import Clock, utcnow
from ctid.core.config import Config, EmailConfig, LineConfig, SimLineOptions, SmsConfig
from ctid.core.events import EventBus
from ctid.core.lifecycle import HEARTBEAT_S, Heartbeat, Supervisor
from ctid.core.phone import PhoneNormaliser
from ctid.core.pidfile import AlreadyRunning, PidFile
from ctid.crm.customers import CustomerRecords
from ctid.crm.models import ContactType
from ctid.crm.options import CrmOptions
from ctid.crm.prospects import Prospects
from ctid.crm.records import CrmRecords
from ctid.crm.service import CustomerDirectory
from ctid.dialer.campaigns import Campaigns
from ctid.dialer.desk import Desk
from ctid.dialer.exclusions import Exclusions
from ctid.dialer.runner import Runner
from ctid.home.service import Home
from ctid.jobs.runs import JobRuns
from ctid.jobs.scheduler import Scheduler
from ctid.lineplan.plan import configured_codes
from ctid.lineplan.source import LinePlanSource
from ctid.merging.service import CustomerMerges
from ctid.messaging.build import build_sender
from ctid.messaging.email import EmailSender, SmtpSettings
from ctid.messaging.outbox import OutboxSettings, SmsOutbox
from ctid.messaging.outbox_rules import QuietHours
from ctid.messaging.template_service import SmsTemplates
from ctid.recording.recorder import DISK_CHECK_S, RETENTION_EVERY_S, Recorder, RecorderParts, RecorderSettings
from ctid.recording.service import Recordings
from ctid.reminders.appointments import Appointments, slot_plan
from ctid.reminders.auto_send import AutoSend
from ctid.reminders.build import QueueBuilder
from ctid.reminders.confirmation import Confirmations
from ctid.reminders.day_before import DayBefore
from ctid.reminders.item_email import ItemEmails
from ctid.reminders.letter_service import LetterService
from ctid.reminders.no_show import NoShows
from ctid.reminders.own_email import OwnEmail
from ctid.reminders.own_sms import OwnSms
from ctid.reminders.service import Reminders
from ctid.reminders.settings_service import ReminderSettings
from ctid.reminders.sms_service import SmsService
from ctid.reminders.worklist import Worklist
from ctid.screenpop.console import Console
from ctid.screenpop.service import ScreenPops
from ctid.services import Services, StartupError
from ctid.stats.operator_stats import OperatorStats
from ctid.stats.service import Stats
from ctid.storage.db import BUSY_TIMEOUT_MS, Database, sqlite_file
from ctid.storage.nightly_backup import NightlyBackup
from ctid.system.status import SystemStatus
from ctid.voicecard.events import LineEvent
from ctid.voicecard.lines import Lines
from ctid.voicecard.sim import SimCall

log = logging.getLogger(__name__)


PID_FILE = "ctid.pid"
DEMO_RING_INTERVAL_S = 20.0  # the sim line adds up to half again: a call every 20-30 s


def with_demo_line(config: Config) -> Config:
    """On the embedded defaults, a simulated line that rings every 20-30 s with the demo's callers."""
    if not config.demo or config.lines:
        return config
    from ctid.sampledata.demo import DEMO_KNOWN, DEMO_UNKNOWN  # imported in demo mode only

    script = (*DEMO_KNOWN, DEMO_UNKNOWN)
    line = LineConfig("demo", "sim", "演示线路", options=SimLineOptions(script, DEMO_RING_INTERVAL_S))
    return replace(config, lines=(line,))


async def seed_demo_data(services: Services) -> None:
    """Demo customers, vehicles and visits in the demo's own database (once; later starts keep them)."""
    from ctid.sampledata.demo import seed_demo

    branch = await services.accounts.branches.default_branch()
    if added := await seed_demo(services.db, services.normaliser, branch.id):
        log.info("demo mode: added %d demo customers", added)


@dataclass(frozen=True)
class Overrides:
    """What a caller may swap in when building the services; the daemon takes the defaults. Why: tests
    build the app as production does (``build_services``) and change only these, instead of patching
    module attributes behind the wiring's back."""

    clock: Clock = utcnow
    """Every service's wall clock (what is stored as "now", and the site's today)."""
    passwords: Passwords | None = None
    """The password hasher (None: argon2id at its production cost, ~0.2 s a hash)."""
    login_clock: Callable[[], float] = time.monotonic
    """The monotonic clock of the login throttle and of the token-use writer's retries."""
    busy_timeout_ms: int = BUSY_TIMEOUT_MS
    """How long a write waits for another program's lock before it fails as transient (a test that holds
    the lock need not wait the production 10 s for the 503)."""


def build_services(
    config: Config, last_alive: datetime | None = None, overrides: Overrides = Overrides()
) -> Services:
    """``last_alive``: when a killed last run was last alive (its calls left open end then)."""
    db = Database(
        config.database_url,
        keep_in_memory=config.database.keep_in_memory,
        busy_timeout_ms=overrides.busy_timeout_ms,
    )
    security = config.security
    throttle = LoginThrottle(security.login_max_failures, security.login_window_s, security.login_lockout_s)
    site, clock = config.site, overrides.clock
    normaliser = PhoneNormaliser(site.phone_region, site.local_area_code, site.outside_line_prefix)
    bus = EventBus()
    accounts = AccountService(
        db,
        throttle,
        hasher=overrides.passwords,
        session_hours=config.web.session_hours,
        clock=clock,
        monotonic=overrides.login_clock,
        line_codes=configured_codes(config.lines),
    )
    plan = LinePlanSource(config.lines, accounts.branches, config.source)
    agents = Agents(db, bus, clock)
    handlers = CallHandlers(bus, agents, clock)
    calls = CallLog(db, bus, normaliser, clock, last_alive=last_alive, plan=plan)
    crm = CustomerDirectory(db, normaliser, timezone=site.timezone, clock=clock)
    pops = ScreenPops(bus, crm, db, normaliser, plan)
    lines = Lines(config.lines, bus)
    records = CrmRecords.build(db, crm, normaliser, config.crm.follow_up_after_days)
    recorder = Recorder(
        RecorderParts(db, bus, lines, normaliser),
        plan,
        RecorderSettings(config.recording, config.data_dir / "recordings", site.timezone),
        accounts,
        clock=clock,
    )
    dnc = DoNotCall(db, normaliser, clock)
    console = Console(
        accounts,
        lines,
        plan,
        calls,
        crm,
        normaliser,
        clock,
        recorder=recorder,
        pops=pops,
        handlers=handlers,
        dnc=dnc,
    )
    outbox = SmsOutbox(db, [], outbox_settings(config.sms), site.timezone, clock)
    outbox.use([build_sender(entry, outbox.on_delivery, outbox.on_incoming) for entry in config.sms.senders])
    outbox.set_opt_out(sms_opt_out(records.customers))
    sms_templates = SmsTemplates(db, clock)
    own_sms = OwnSms(db, outbox, sms_templates, site.name, clock)
    email = email_sender(config.email)
    backup, started = nightly_backup(config), time.monotonic()
    dialer = Runner(
        db, bus, lines, normaliser, site.timezone, clock, ready_on=agents.ready_on, handlers=handlers
    )
    status = SystemStatus(
        db,
        config.database_url,
        config.data_dir,
        recorder.root,
        recorder.alert,
        backup,
        started,
    )
    return Services(
        config=config,
        bus=bus,
        db=db,
        accounts=accounts,
        agents=agents,
        handlers=handlers,
        audit=AuditService(db),
        normaliser=normaliser,
        calls=calls,
        wrap_up=WrapUpCodes(db, clock),
        lines=lines,
        line_plan=plan,
        crm=crm,
        records=records,
        pops=pops,
        console=console,
        dnc=dnc,
        campaigns=Campaigns(db, site.timezone, clock, bus=bus),
        dialer=dialer,
        exclusions=Exclusions(db, normaliser, bus, clock),
        desk=Desk(db, dialer, site.timezone, console.lines_for, clock),
        prospects=Prospects(db, normaliser, records.customers, clock),
        crm_options=CrmOptions(db, clock),
        merges=CustomerMerges(db, clock),
        home=Home(db, plan, site.timezone, clock),
        stats=Stats(db, plan, site.timezone, clock),
        operator_stats=OperatorStats(db, plan, agents, site.timezone, clock),
        recordings=Recordings(db, recorder.root, recorder.alert, clock),
        recorder=recorder,
        appointments=Appointments(
            db,
            slot_plan(config.appointments),
            crm.today,
            clock,
            on_no_show=NoShows(site.timezone),
            confirms=Confirmations(own_sms),
        ),
        reminders=reminders(db, site.timezone, clock, own_sms, email),
        status=status,
        outbox=outbox,
        sms=SmsService(db, outbox, sms_templates, records.customers, normaliser, site.name),
        sms_templates=sms_templates,
        scheduler=Scheduler(site.timezone, JobRuns(db), clock),
        started_monotonic=started,
        backup=backup,
        email=email,
    )


def outbox_settings(sms: SmsConfig) -> OutboxSettings:
    never = sms.quiet_from == "" or sms.quiet_until == ""
    quiet = (
        QuietHours(dt_time(0), dt_time(0))
        if never
        else QuietHours(_hh_mm(sms.quiet_from), _hh_mm(sms.quiet_until))
    )
    return OutboxSettings(
        quiet=quiet,
        rates={entry.name: float(entry.rate_per_minute) for entry in sms.senders},
        max_attempts=sms.max_attempts,
        retry_first_s=sms.retry_after_s,
        retry_max_s=sms.retry_max_s,
    )


def reminders(
    db: Database, timezone: str, clock: Clock, own_sms: OwnSms, email: EmailSender | None
) -> Reminders:
    worklist = Worklist(db, timezone, clock)
    letters = LetterService(db, worklist, own_sms.templates, own_sms.shop)
    own_email = OwnEmail(db, email, own_sms.templates, own_sms.shop, clock)
    return Reminders(
        worklist,
        QueueBuilder(db, timezone, clock),
        letters,
        AutoSend(own_sms, own_email),
        DayBefore(own_sms),
        ReminderSettings(db, clock),
        ItemEmails(worklist, own_email),
    )


def email_sender(email: EmailConfig) -> EmailSender | None:
    if not email.host:
        return None
    settings = SmtpSettings(
        email.host,
        email.port,
        email.security,
        email.user,
        email.password,
        email.from_address,
        email.ca_file,
        email.timeout_s,
    )
    return EmailSender(settings)


def _hh_mm(text: str) -> dt_time:
    hour, minute = text.split(":")
    return dt_time(int(hour), int(minute))


def sms_opt_out(customers: CustomerRecords) -> Callable[[str, datetime], Awaitable[int]]:
    """What a reply "TD" does (messaging knows no customers): every customer with that number opts out of
    SMS, each change audited as the system's."""

    async def opt_out(number: str, _at: datetime) -> int:
        return await customers.opt_out_number(Actor.system("sms"), number, ContactType.SMS, "短信回复退订")

    return opt_out


def nightly_backup(config: Config) -> NightlyBackup | None:
    source = sqlite_file(config.database_url)
    if not config.backup.at or source is None:
        return None
    return NightlyBackup(
        source, config.backup.at, config.backup_dir, config.backup.keep, config.site.timezone
    )


def schedule(config: Config, services: Services) -> Scheduler:
    """Every job of the daemon, in one place (the web app adds the hub's check of open consoles while it
    runs); the failure of one is logged as "<its name> failed" and it runs again at its next time."""
    scheduler = services.scheduler
    scheduler.every(Heartbeat(config.data_dir / PID_FILE).beat, HEARTBEAT_S, "heartbeat", at_once=True)
    scheduler.every(services.accounts.sessions.purge_sessions, 3600, "purging expired sessions", at_once=True)
    scheduler.every(services.recorder.recheck_disk, DISK_CHECK_S, "recorder: disk check")
    scheduler.every(services.recorder.apply_retention, RETENTION_EVERY_S, "recorder: retention")
    if (backup := services.backup) is not None:
        hour, minute = (int(part) for part in backup.at.split(":"))
        scheduler.daily(backup.run, dt_time(hour, minute), "nightly backup", last_run=backup.last_copy)
        backup.recall()
        log.info("nightly backup at %s into %s", backup.at, backup.directory)
    elif config.backup.at:
        log.info("nightly backup off: the database is not an SQLite file (back it up with pg_dump)")
    if config.reminders.build_at:
        hour, minute = (int(part) for part in config.reminders.build_at.split(":"))
        builder = services.reminders.builder

        async def reminders_day() -> None:
            """The day's queue, the presets that go by themselves (short of the worklist), and the SMS
            the day before each of tomorrow's appointments."""
            built = await builder.run_today()
            await services.reminders.auto_send.run(built.day)
            await services.reminders.day_before.run(built.day)

        scheduler.daily(
            reminders_day, dt_time(hour, minute), "reminders: daily queue", last_run=builder.last_run
        )
    return scheduler


def control_commands(services: Services) -> dict[str, Command]:
    """What the control socket offers local commands (``ctid line simulate``)."""

    async def simulate(request: dict[str, Any]) -> dict[str, Any]:
        services.lines.simulate(str(request.get("line", "")), SimCall.from_request(request))
        return {}

    async def lines(_request: dict[str, Any]) -> dict[str, Any]:
        return {"lines": [asdict(info) for info in services.lines.infos()]}

    return {"simulate": simulate, "lines": lines}


async def serve(config: Config, out: TextIO = sys.stdout, last_alive: datetime | None = None) -> None:
    """Run the daemon until a stop signal."""
    from ctid.web.server import WebServer

    config = with_demo_line(config)
    services = build_services(config, last_alive)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    streams = {"watch": event_stream(services.bus, LineEvent)}  # ctid line watch, bench/callerid_latency.py
    control = ControlServer(config.data_dir / "ctid.sock", control_commands(services), streams)
    supervisor = Supervisor(
        [
            services.db,
            services.agents,
            services.handlers,
            services.line_plan,
            services.calls,
            services.pops,
            services.recorder,
            services.outbox,
            services.campaigns,  # before the lines: what the last run left is settled first
            services.lines,
            services.dialer,  # after the lines: it dials through them (and stops before them)
            control,
            WebServer(services),
            schedule(config, services),  # last: its jobs run only while what they use runs
        ]
    )
    await supervisor.start()
    try:
        if password := await services.accounts.users.bootstrap():
            _announce_admin(out, password, config)
        if config.demo:
            await seed_demo_data(services)
        log.info("ctid %s ready on http://%s:%d/", __version__, config.web.host, config.web.port)
        _freeze_startup_heap()
        _prefer_the_event_loop()
        await stopping.wait()
        log.info("stop requested, shutting down")
    finally:
        await supervisor.stop()
        await services.bus.drain()
    log.info("ctid stopped")


def _freeze_startup_heap() -> None:
    """Keep the start-up heap out of garbage collection from now on.

    Why: what start-up built (SQLAlchemy, aiohttp, jinja2, babel, phonenumbers) lives as long as the daemon,
    and a full collection walking it pauses the loop for ~60 ms: a caller-ID pop that waits behind one
    misses the 2 ms target (``bench/callerid_latency.py``). Later objects are collected as usual.
    """
    gc.collect()
    gc.freeze()
    gc.enable()  # ``ctid run`` starts with it off (ctid.cli.daemon)


def _prefer_the_event_loop() -> None:
    """Let the event loop take the GIL back within 0.5 ms instead of Python's default 5 ms.

    Why: worker threads (SQLite through aiosqlite, argon2, transcoding) hold the GIL while they run Python
    code; when a caller-ID byte arrives the loop thread must wait for the switch interval before it can read
    it. At the default 5 ms that wait alone can break the 2 ms pop target; at 0.5 ms it cannot.
    """
    sys.setswitchinterval(0.0005)


def _announce_admin(out: TextIO, password: str, config: Config) -> None:
    """Printed once, on the console only: never logged."""
    out.write(
        "\n"
        "  ctid created the first administrator.\n"
        f"    user name: admin\n    password:  {password}\n"
        f"  Log in at http://{config.web.host}:{config.web.port}/ and change it; it is not shown again.\n\n"
    )
    out.flush()


def private_roots(config: Config) -> list[Path]:
    """Where ctid keeps what only its account may read: the data dir, the backups (maybe on another
    disk) and an SQLite file kept elsewhere with its companions."""
    roots = [config.data_dir, config.backup_dir]
    if (database := sqlite_file(config.database_url)) is not None:
        roots += [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    return roots


def run(config: Config) -> int:
    """The ``ctid run`` entry: lock the data dir, log, serve; returns the exit status."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    logs.setup(config.log, config.data_dir, config.site.timezone)
    tightened = private_files.tighten(private_roots(config))  # what an earlier version left readable
    private_files.warn_if_tightened(tightened, str(config.data_dir.resolve()))
    last_alive = Heartbeat.last(config.data_dir / PID_FILE)  # read before the new PID is written in it
    pidfile = PidFile(config.data_dir / PID_FILE)
    try:
        pidfile.acquire()
    except AlreadyRunning as exc:
        log.error("cannot start: %s", exc)
        return 1
    if pidfile.stale_pid:
        log.warning(
            "found a stale PID file (pid %d, not running): the last run did not stop cleanly",
            pidfile.stale_pid,
        )
    log.info(
        "ctid %s starting with config %s, data dir %s", __version__, config.source, config.data_dir.resolve()
    )
    try:
        asyncio.run(serve(config, last_alive=last_alive if pidfile.stale_pid else None))
    except StartupError as exc:
        log.error("cannot start: %s", exc)
        return 1
    finally:
        pidfile.release()
    return 0
