"""One TOML file -> frozen dataclasses, validated on load.

Every error names the file, the key and what is wrong, because the person reading it is an installer at a
dealership with a terminal, not a developer with a debugger. The schema is the dataclasses below: a field's
type and its ``check`` metadata are the validation, and ``config/ctid.example.toml`` documents every field
(a test keeps the two in step).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import tomllib
import types
import typing
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Check = Callable[[Any], str | None]


class ConfigError(Exception):
    """A configuration problem, phrased for the person who edits the file."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"config error in {where}: {problem}")


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else f"must be between 1 and 65535, got {value}"


def _timezone(value: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r} (use an IANA name such as 'Asia/Shanghai')"
    return None


def _region(value: str) -> str | None:
    import phonenumbers

    if value.upper() in phonenumbers.SUPPORTED_REGIONS:
        return None
    return f"unknown phone region {value!r} (use a two-letter code such as 'CN')"


def _digits(value: str) -> str | None:
    return None if value == "" or value.isdigit() else f"must contain digits only, got {value!r}"


def _locale(value: str) -> str | None:
    return None if value in LOCALES else f"must be one of {', '.join(LOCALES)}, got {value!r}"


def _db_url(value: str) -> str | None:
    if value == "" or value.startswith("sqlite+aiosqlite://"):
        return None
    if value.startswith("postgresql+asyncpg://"):
        # Found here, not as a traceback at the first connection: the driver is an optional extra.
        if importlib.util.find_spec("asyncpg") is None:
            return "PostgreSQL needs the asyncpg driver: pip install 'ctid[postgresql]' (or asyncpg)"
        return None
    return f"must start with sqlite+aiosqlite:// or postgresql+asyncpg://, got {value.split(':', 1)[0]!r}"


def _line_name(value: str) -> str | None:
    if value and len(value) <= 40 and all(c.isalnum() or c in "-_." for c in value):
        return None
    return f"must be 1-40 letters, digits, '-', '_' or '.', got {value!r}"


def _checked(default: Any, check: Check | None = None, **kw: Any) -> Any:
    return field(default=default, metadata={"check": check}, **kw)


def _sample_rate(value: int) -> str | None:
    return None if value in SAMPLE_RATES else f"must be 8000 or 16000 (Hz), got {value}"


def _between(low: float, high: float, unit: str = "") -> Check:
    """A number within what its user can take: a value that passes ``check-config`` must never break later
    (``session_hours = 1e8`` made every login overflow the date; a huge ``file_backups`` hangs the log's
    rotation). ``nan`` fails every comparison, so it is refused too."""
    unit = f" {unit}" if unit else ""

    def check(value: float) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}{unit}, got {value!r}"

    return check


def _off_or_between(low: float, high: float, unit: str = "") -> Check:
    """0 (off), or a number within bounds."""
    within = _between(low, high, unit)

    def check(value: float) -> str | None:
        if value == 0 or within(value) is None:
            return None
        return f"must be 0 (off) or between {low:g} and {high:g}{f' {unit}' if unit else ''}, got {value!r}"

    return check


MAX_DAYS = 36_500  # a hundred years: any date that far back or ahead still exists
_DAYS = re.compile(r"[0-9]{1,5}")


def _branch_days(values: tuple[str, ...]) -> str | None:
    for value in values:
        code, sep, days = value.partition("=")
        if not sep or not code.strip() or not _DAYS.fullmatch(days.strip()) or int(days) > MAX_DAYS:
            return f'entries must look like "<branch code>=<days>" (0-{MAX_DAYS} days), got {value!r}'
    return None


LOCALES = ("zh_CN", "en")
EMBEDDED = "(embedded defaults)"
LINE_DRIVERS = ("sim", "modem", "audio")
SAMPLE_RATES = (8000, 16000)
RecordPolicy = Literal["always", "on demand", "never"]


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = _checked(8080, _port)
    public_origin: str = ""
    secure_cookies: bool = False
    session_hours: float = _checked(12.0, _between(0.1, 8760, "hours"))


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = _checked("", _db_url)
    keep_in_memory: bool = True


@dataclass(frozen=True)
class StorageConfig:
    dir: Path = Path("./var")


@dataclass(frozen=True)
class SiteConfig:
    name: str = "ctid"
    address: str = ""  # the heading of letters to customers
    phone: str = ""
    timezone: str = _checked("Asia/Shanghai", _timezone)
    phone_region: str = _checked("CN", _region)
    local_area_code: str = _checked("", _digits)
    outside_line_prefix: str = _checked("", _digits)
    default_locale: str = _checked("zh_CN", _locale)


@dataclass(frozen=True)
class LogConfig:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file_max_mb: int = _checked(10, _between(1, 1024, "MB"))
    file_backups: int = _checked(5, _between(1, 100))


@dataclass(frozen=True)
class SecurityConfig:
    login_max_failures: int = _checked(5, _between(1, 1000))
    login_window_s: int = _checked(900, _between(1, 86_400, "s"))
    login_lockout_s: int = _checked(300, _between(1, 3600, "s"))


@dataclass(frozen=True)
class CrmConfig:
    follow_up_after_days: int = _checked(3, _off_or_between(1, 365, "days"))


def _clock_time(value: str) -> str | None:
    if value == "" or re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        return None
    return f'must be a time of day "HH:MM" (24-hour) or "" (off), got {value!r}'


def _day_time(value: str) -> str | None:
    return None if value and _clock_time(value) is None else f'must be a time of day "HH:MM", got {value!r}'


def _slot_minutes(value: int) -> str | None:
    if 5 <= value <= 240 and 1440 % value == 0:
        return None
    return f"must divide a day (5-240 minutes), got {value}"


@dataclass(frozen=True)
class AppointmentsConfig:
    """The workshop's day for appointments (预约): its slots and how many cars a slot of an advisor takes."""

    day_start: str = _checked("08:30", _day_time)
    day_end: str = _checked("17:30", _day_time)
    slot_minutes: int = _checked(30, _slot_minutes)
    cars_per_slot: int = _checked(2, _between(1, 50, "cars"))


@dataclass(frozen=True)
class BackupConfig:
    """The nightly copy of the database (``ctid db backup`` on a clock)."""

    at: str = _checked("03:00", _clock_time)
    dir: Path = Path("backups")
    keep: int = _checked(14, _between(1, 1000))


@dataclass(frozen=True)
class RemindersConfig:
    """The daily reminder queue (``ctid.reminders.build``)."""

    build_at: str = _checked("06:30", _clock_time)


@dataclass(frozen=True)
class RecordingConfig:
    """Where and how calls are recorded; per-line policy is the line's ``record`` key."""

    format: Literal["opus", "mp3", "wav"] = "opus"
    bitrate_kbps: int = _checked(24, _between(6, 256, "kbit/s"))
    min_free_mb: int = _checked(500, _off_or_between(1, 10_000_000, "MB"))
    retention_days: int = _checked(0, _off_or_between(1, MAX_DAYS, "days"))
    branch_retention_days: tuple[str, ...] = _checked((), _branch_days)

    @property
    def branch_days(self) -> dict[str, int]:
        """``branch_retention_days`` by branch code (the entries are checked when the file is read)."""
        return {
            code.strip(): int(days)
            for code, _, days in (e.partition("=") for e in self.branch_retention_days)
        }


@dataclass(frozen=True)
class EmailConfig:
    """The shop's SMTP server, for the reminders' e-mail ("" host: no e-mail)."""

    host: str = ""
    port: int = _checked(587, _port)
    security: Literal["none", "starttls", "tls"] = "starttls"
    user: str = ""
    password: str = ""
    from_address: str = ""
    ca_file: str = ""
    timeout_s: float = _checked(30.0, _between(1, 600, "s"))


_RING_TIMEOUT = _between(0.05, 600, "s")


@dataclass(frozen=True)
class SimLineOptions:
    """A simulated line: the same events as a modem, driven by a script or the CLI."""

    script: tuple[str, ...] = ()
    ring_interval_s: float = _checked(0.0, _off_or_between(1, 86_400, "s"))
    ring_timeout_s: float = _checked(8.0, _RING_TIMEOUT)


@dataclass(frozen=True)
class ModemLineOptions:
    """A voice modem on a serial port (see TELEPHONY.md)."""

    device: str = "/dev/ttyACM0"
    baud: int = _checked(115200, _between(300, 4_000_000))
    init: tuple[str, ...] = ()
    country: str = ""
    cid_mode: Literal["formatted", "unformatted"] = "formatted"
    ring_timeout_s: float = _checked(8.0, _RING_TIMEOUT)
    watchdog_s: float = _checked(30.0, _between(1, 3600, "s"))
    tap_device: str = ""
    tap_rate: int = _checked(8000, _sample_rate)


@dataclass(frozen=True)
class AudioLineOptions:
    """A line tap on a sound card (a telephone recording adapter on line-in): caller ID, calls and recording
    from the audio alone (the software voice card)."""

    device: str = "default"
    rate: int = _checked(8000, _sample_rate)
    tone_plan: Literal["auto", "bell202", "v23"] = "auto"
    vox_threshold_dbfs: float = _checked(-40.0, _between(-120, -1, "dBFS"))
    vox_hangover_s: float = _checked(8.0, _between(0.05, 600, "s"))
    ring_timeout_s: float = _checked(40.0, _RING_TIMEOUT)


DRIVER_OPTIONS: Mapping[str, type] = {
    "sim": SimLineOptions,
    "modem": ModemLineOptions,
    "audio": AudioLineOptions,
}


def _http_url(value: str) -> str | None:
    if value == "" or re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
        return None
    return f"must be an http:// or https:// URL, got {value!r}"


def _statuses(values: tuple[int, ...]) -> str | None:
    if all(100 <= value <= 599 for value in values):
        return None
    return f"must be HTTP status codes (100-599), got {list(values)!r}"


def _header_lines(values: tuple[str, ...]) -> str | None:
    for value in values:
        name, sep, _ = value.partition(":")
        if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()):
            return f'entries must look like "Name: value", got {value!r}'
    return None


@dataclass(frozen=True)
class GsmModemSmsOptions:
    """A GSM/4G modem on a serial port, sending and reading SMS in PDU mode (see TELEPHONY.md)."""

    device: str = "/dev/ttyUSB2"
    baud: int = _checked(115200, _between(300, 4_000_000))
    init: tuple[str, ...] = ()
    validity_hours: float = _checked(24.0, _between(0.1, 441 * 24, "hours"))
    status_reports: bool = True
    watchdog_s: float = _checked(60.0, _between(1, 3600, "s"))


@dataclass(frozen=True)
class HttpSmsOptions:
    """Any HTTP SMS gateway, described: where to send, what to send, what success looks like."""

    url: str = _checked("", _http_url)
    method: Literal["POST", "GET", "PUT"] = "POST"
    headers: tuple[str, ...] = _checked((), _header_lines)
    body: str = ""
    body_encoding: Literal["json", "form", "raw"] = "json"
    success_status: tuple[int, ...] = _checked((200,), _statuses)
    success_json_path: str = ""
    success_value: str = ""
    message_id_json_path: str = ""
    retry_status: tuple[int, ...] = _checked((408, 425, 429, 500, 502, 503, 504), _statuses)
    timeout_s: float = _checked(10.0, _between(0.1, 300, "s"))


@dataclass(frozen=True)
class AliyunSmsOptions:
    """Aliyun SMS (dysmsapi SendSms): registered templates, signed requests (ACS3-HMAC-SHA256)."""

    access_key_id: str = ""
    access_key_secret: str = ""
    sign_name: str = ""
    template_code: str = ""
    endpoint: str = _checked("https://dysmsapi.aliyuncs.com", _http_url)
    timeout_s: float = _checked(10.0, _between(0.1, 300, "s"))


@dataclass(frozen=True)
class TencentSmsOptions:
    """Tencent Cloud SMS (SendSms 2021-01-11): registered templates, signed requests (TC3-HMAC-SHA256)."""

    secret_id: str = ""
    secret_key: str = ""
    sdk_app_id: str = ""
    sign_name: str = ""
    template_id: str = ""
    region: str = "ap-guangzhou"
    endpoint: str = _checked("https://sms.tencentcloudapi.com", _http_url)
    timeout_s: float = _checked(10.0, _between(0.1, 300, "s"))


SmsSenderOptions = GsmModemSmsOptions | HttpSmsOptions | AliyunSmsOptions | TencentSmsOptions
SMS_DRIVER_OPTIONS: Mapping[str, type] = {
    "gsm_modem": GsmModemSmsOptions,
    "http": HttpSmsOptions,
    "aliyun": AliyunSmsOptions,
    "tencent": TencentSmsOptions,
}

SMS_REQUIRED: Mapping[str, tuple[str, ...]] = {
    "http": ("url",),
    "aliyun": ("access_key_id", "access_key_secret", "sign_name"),
    "tencent": ("secret_id", "secret_key", "sdk_app_id", "sign_name"),
}


@dataclass(frozen=True)
class SmsSenderConfig:
    """One ``[[sms.senders]]``: a name the outbox and the history use, a driver and its options, and how
    many messages a minute it may send (a modem's network or a gateway's contract)."""

    name: str
    driver: str
    rate_per_minute: int = 20
    options: SmsSenderOptions = field(default_factory=GsmModemSmsOptions)


@dataclass(frozen=True)
class SmsConfig:
    """``[sms]``: the outbox's sending hours and retries, and ``[[sms.senders]]`` (each with its rate)."""

    quiet_from: str = _checked("21:00", _clock_time)
    quiet_until: str = _checked("08:00", _clock_time)
    max_attempts: int = _checked(4, _between(1, 100))
    retry_after_s: float = _checked(60.0, _between(1, 86_400, "s"))
    retry_max_s: float = _checked(3600.0, _between(1, 86_400, "s"))
    senders: tuple[SmsSenderConfig, ...] = ()


@dataclass(frozen=True)
class LineConfig:
    name: str
    driver: str
    label: str = ""
    branch: str = ""
    record: RecordPolicy = "always"
    record_pause: bool = True
    options: SimLineOptions | ModemLineOptions | AudioLineOptions = field(default_factory=SimLineOptions)

    @property
    def display_name(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Config:
    web: WebConfig = field(default_factory=WebConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    log: LogConfig = field(default_factory=LogConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    crm: CrmConfig = field(default_factory=CrmConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    appointments: AppointmentsConfig = field(default_factory=AppointmentsConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    lines: tuple[LineConfig, ...] = ()
    sms: SmsConfig = field(default_factory=SmsConfig)
    source: str = EMBEDDED

    @property
    def demo(self) -> bool:
        """Running on the embedded defaults (no config file): the newcomer's demo. Never for a real config."""
        return self.source == EMBEDDED

    @property
    def data_dir(self) -> Path:
        return self.storage.dir

    @property
    def backup_dir(self) -> Path:
        """``[backup] dir``; a relative one is inside the data dir."""
        return self.backup.dir if self.backup.dir.is_absolute() else self.data_dir / self.backup.dir

    @property
    def database_url(self) -> str:
        """The configured URL, or a SQLite file in the data dir."""
        if self.database.url:
            return self.database.url
        name = "ctid-demo.sqlite3" if self.demo else "ctid.sqlite3"  # demo data never mixes with real data
        return f"sqlite+aiosqlite:///{(self.data_dir / name).resolve()}"


SECTIONS: Mapping[str, type] = {
    "web": WebConfig,
    "database": DatabaseConfig,
    "storage": StorageConfig,
    "site": SiteConfig,
    "log": LogConfig,
    "security": SecurityConfig,
    "crm": CrmConfig,
    "recording": RecordingConfig,
    "backup": BackupConfig,
    "appointments": AppointmentsConfig,
    "reminders": RemindersConfig,
    "email": EmailConfig,
}


def load(path: str | Path | None) -> Config:
    """Load and validate a config file; ``None`` gives the embedded defaults."""
    if path is None:
        return Config()
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"TOML syntax error: {exc}") from None
    except RecursionError:  # tomllib recurses per nested array or inline table; no config nests so
        raise ConfigError(source, "", "TOML nested too deeply (arrays or inline tables)") from None
    return parse(data, source)


def parse(data: Mapping[str, Any], source: str) -> Config:
    """Validate an already-decoded TOML document."""
    known = {*SECTIONS, "lines", "sms"}
    for key in data:
        if key not in known:
            raise ConfigError(source, key, f"unknown section or key (known: {', '.join(sorted(known))})")
    sections = {
        name: _build(cls, _table(data.get(name, {}), source, name), source, name)
        for name, cls in SECTIONS.items()
    }
    lines = _lines(data.get("lines", []), source)
    _check_day(sections["appointments"], source)
    return Config(**sections, lines=lines, sms=_sms(data.get("sms", {}), source), source=source)


def _check_day(day: AppointmentsConfig, source: str) -> None:
    """The workshop's day holds at least one slot (what one key cannot check alone)."""
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (day.day_start, day.day_end))
    if end - start < day.slot_minutes:
        problem = f"must be at least one slot ({day.slot_minutes} minutes) after day_start {day.day_start}"
        raise ConfigError(source, "appointments.day_end", problem)


def _table(value: Any, source: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(source, key, f"must be a table ([{key}]), got {_kind(value)}")
    return value


def _lines(value: Any, source: str) -> tuple[LineConfig, ...]:
    if not isinstance(value, list):
        raise ConfigError(source, "lines", "must be an array of tables ([[lines]])")
    seen: set[str] = set()
    lines = []
    for index, item in enumerate(value):
        where = f"lines[{index}]"
        table = dict(_table(item, source, where))
        line = _line(table, source, where)
        if line.name in seen:
            raise ConfigError(source, f"{where}.name", f"duplicate line name {line.name!r}")
        seen.add(line.name)
        lines.append(line)
    return tuple(lines)


def _line(table: dict[str, Any], source: str, where: str) -> LineConfig:
    for required in ("name", "driver"):
        if required not in table:
            raise ConfigError(
                source, f"{where}.{required}", "missing (every [[lines]] needs name and driver)"
            )
    name = _value(table.pop("name"), str, source, f"{where}.name", _line_name)
    driver = _value(table.pop("driver"), str, source, f"{where}.driver")
    label = _value(table.pop("label", ""), str, source, f"{where}.label")
    branch = _value(table.pop("branch", ""), str, source, f"{where}.branch")
    record = _value(table.pop("record", "always"), RecordPolicy, source, f"{where}.record")
    record_pause = _value(table.pop("record_pause", True), bool, source, f"{where}.record_pause")
    if driver not in DRIVER_OPTIONS:
        raise ConfigError(
            source, f"{where}.driver", f"unknown line driver {driver!r} (known: {', '.join(LINE_DRIVERS)})"
        )
    options = _build(DRIVER_OPTIONS[driver], table, source, where)
    return LineConfig(name, driver, label, branch, record, record_pause, options)


def _sms(value: Any, source: str) -> SmsConfig:
    """``[sms]``: its own keys, and ``[[sms.senders]]`` with each sender's driver options."""
    table = dict(_table(value, source, "sms"))
    senders = table.pop("senders", [])
    sms: SmsConfig = _build(SmsConfig, table, source, "sms")
    if not isinstance(senders, list):
        raise ConfigError(source, "sms.senders", "must be an array of tables ([[sms.senders]])")
    seen: set[str] = set()
    parsed = []
    for index, item in enumerate(senders):
        where = f"sms.senders[{index}]"
        sender = _sms_sender(dict(_table(item, source, where)), source, where)
        if sender.name in seen:
            raise ConfigError(source, f"{where}.name", f"duplicate SMS sender name {sender.name!r}")
        seen.add(sender.name)
        parsed.append(sender)
    return dataclasses.replace(sms, senders=tuple(parsed))


def _sms_sender(table: dict[str, Any], source: str, where: str) -> SmsSenderConfig:
    for required in ("name", "driver"):
        if required not in table:
            raise ConfigError(
                source, f"{where}.{required}", "missing (every [[sms.senders]] needs name and driver)"
            )
    name = _value(table.pop("name"), str, source, f"{where}.name", _line_name)
    driver = _value(table.pop("driver"), str, source, f"{where}.driver")
    rate = _value(
        table.pop("rate_per_minute", 20), int, source, f"{where}.rate_per_minute", _between(1, 6000)
    )
    if driver not in SMS_DRIVER_OPTIONS:
        known = ", ".join(SMS_DRIVER_OPTIONS)
        raise ConfigError(source, f"{where}.driver", f"unknown SMS driver {driver!r} (known: {known})")
    options = _build(SMS_DRIVER_OPTIONS[driver], table, source, where)
    for key in SMS_REQUIRED.get(driver, ()):
        if not getattr(options, key):
            raise ConfigError(source, f"{where}.{key}", f"missing (the {driver} driver needs it)")
    return SmsSenderConfig(name, driver, rate, options)


def _build(cls: type, table: Mapping[str, Any], source: str, where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in table:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(source, f"{where}.{key}", f"unknown key (known in [{where}]: {known})")
    values = {
        name: _value(table[name], hints[name], source, f"{where}.{name}", f.metadata.get("check"))
        for name, f in fields.items()
        if name in table
    }
    return cls(**values)


def _value(value: Any, hint: Any, source: str, key: str, check: Check | None = None) -> Any:
    converted = _convert(value, hint, source, key)
    if check is not None and (problem := check(converted)):
        raise ConfigError(source, key, problem)
    return converted


def _convert(value: Any, hint: Any, source: str, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            listed = ", ".join(repr(c) for c in choices)
            raise ConfigError(source, key, f"must be one of {listed}, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(source, key, f"must be a list, got {_kind(value)}")
        item_type = typing.get_args(hint)[0]
        return tuple(_convert(v, item_type, source, f"{key}[{i}]") for i, v in enumerate(value))
    if origin in (types.UnionType, typing.Union):
        raise ConfigError(source, key, "cannot be set here")
    return _scalar(value, hint, source, key)


_SCALARS: Mapping[Any, tuple[str, Callable[[Any], bool], Callable[[Any], Any]]] = {
    bool: ("true or false", lambda v: isinstance(v, bool), bool),
    int: ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool), int),
    float: ("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool), float),
    str: ("a string", lambda v: isinstance(v, str), str),
    Path: ("a path", lambda v: isinstance(v, str) and v != "", Path),
}


def _scalar(value: Any, hint: Any, source: str, key: str) -> Any:
    expected, accepts, convert = _SCALARS[hint]
    if accepts(value):
        return convert(value)
    raise ConfigError(source, key, f"must be {expected}, got {_kind(value)} {value!r}")


def _kind(value: Any) -> str:
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "table"}
    return kinds.get(type(value), type(value).__name__)
