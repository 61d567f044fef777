"""What a built daemon is made of: ``Services``, the one object the web, the control socket and the CLI take,
and ``StartupError``.

Why a module of its own: the web takes the services and the wiring (``ctid.app``) starts the web, so with
the type in the wiring the two imported each other. Here it sits below both: it names every service and
builds none (``ctid.app.build_services`` does).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ctid.accounts.agents import Agents
from ctid.accounts.service import AccountService
from ctid.audit.service import AuditService
from ctid.calls.dnc import DoNotCall
from ctid.calls.handlers import CallHandlers
from ctid.calls.service import CallLog
from ctid.calls.wrap_up import WrapUpCodes
from ctid.core.config import Config
from ctid.core.events import EventBus
from ctid.core.phone import PhoneNormaliser
from ctid.crm.options import CrmOptions
from ctid.crm.prospects import Prospects
from ctid.crm.records import CrmRecords
from ctid.crm.service import CustomerDirectory
from ctid.dialer.campaigns import Campaigns
from ctid.dialer.desk import Desk
from ctid.dialer.exclusions import Exclusions
from ctid.dialer.runner import Runner
from ctid.home.service import Home
from ctid.jobs.scheduler import Scheduler
from ctid.lineplan.source import LinePlanSource
from ctid.merging.service import CustomerMerges
from ctid.messaging.email import EmailSender
from ctid.messaging.outbox import SmsOutbox
from ctid.messaging.template_service import SmsTemplates
from ctid.recording.recorder import Recorder
from ctid.recording.service import Recordings
from ctid.reminders.appointments import Appointments
from ctid.reminders.service import Reminders
from ctid.reminders.sms_service import SmsService
from ctid.screenpop.console import Console
from ctid.screenpop.service import ScreenPops
from ctid.stats.operator_stats import OperatorStats
from ctid.stats.service import Stats
from ctid.storage.db import Database
from ctid.storage.nightly_backup import NightlyBackup
from ctid.system.status import SystemStatus
from ctid.voicecard.lines import Lines


class StartupError(Exception):
    """A start that cannot go on (port in use, another daemon running): a clear message, exit status 1."""


@dataclass
class Services:
    """Everything the web and the CLI use, built once per process."""

    config: Config
    bus: EventBus
    db: Database
    accounts: AccountService
    agents: Agents
    """The operators' states (ready, break, offline): who is ready on which line."""
    audit: AuditService
    normaliser: PhoneNormaliser
    calls: CallLog
    handlers: CallHandlers
    """Who handled each call (ctid.calls.attribution), as it happens."""
    wrap_up: WrapUpCodes
    """The wrap-up results' list (the call's result is the call log's)."""
    lines: Lines
    line_plan: LinePlanSource
    """Which line is which, resolved at start (a code that names no branch stops the start)."""
    crm: CustomerDirectory
    records: CrmRecords
    pops: ScreenPops
    console: Console
    dnc: DoNotCall
    """The do-not-call list (a campaign skips it, a dial by hand is refused)."""
    campaigns: Campaigns
    """The dialer's campaigns (made, started, paused, stopped; recovered at a start)."""
    dialer: Runner
    """The campaigns' dialling: a task per running campaign; one call for an operator, their results."""
    exclusions: Exclusions
    """A campaign's own exclusions: a contact or a number taken out of one campaign, with a reason."""
    desk: Desk
    """An operator's side of the campaigns: a preview card held for them, dialled or skipped; their call
    backs."""
    prospects: Prospects
    crm_options: CrmOptions
    merges: CustomerMerges
    home: Home
    stats: Stats
    operator_stats: OperatorStats
    """The live board's operators and the per-operator statistics."""
    recordings: Recordings
    recorder: Recorder
    appointments: Appointments
    """Service appointments (预约): booked, moved, marked; the day's slots and their capacity."""
    reminders: Reminders
    """The daily reminder queue: its build and the worklist."""
    status: SystemStatus
    outbox: SmsOutbox
    """The SMS outbox: the sending task, its senders and their health (the System page)."""
    sms: SmsService
    sms_templates: SmsTemplates
    """The SMS templates and presets (短信预设)."""
    """SMS to customers and numbers, with the CRM's checks (opt-outs, mobiles, branches)."""
    scheduler: Scheduler
    """The periodic and daily jobs (``schedule`` registers them; the web app adds the hub's check)."""
    started_monotonic: float = field(default_factory=time.monotonic)
    backup: NightlyBackup | None = None
    """None when nightly copies are off or the database is not an SQLite file."""
    email: EmailSender | None = None
    """The shop's SMTP server for the reminders' e-mail; None when ``[email] host`` is empty."""
