"""Config: defaults, the documented example, and a clear exit-2 message for every kind of bad file."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid import cli
from ctid.core import config
from tests.core.support import pretend_asyncpg

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "ctid.example.toml"
_COMMENTED_KEY = re.compile(r"^# ((\[\[?[\w.]+\]\]?)|(\w+ = .*))$")


def _example_with_optional_keys() -> dict[str, Any]:
    """The example with its commented-out keys switched on, so optional keys count as documented."""
    lines = [
        m.group(1) if (m := _COMMENTED_KEY.match(line)) else line for line in EXAMPLE.read_text().splitlines()
    ]
    return tomllib.loads("\n".join(lines))


def test_defaults_are_the_documented_ones() -> None:
    defaults = config.load(None)
    assert defaults.web.host == "127.0.0.1" and defaults.web.port == 8080
    assert defaults.site.timezone == "Asia/Shanghai" and defaults.site.phone_region == "CN"
    assert defaults.data_dir == Path("./var")
    assert defaults.database_url.startswith("sqlite+aiosqlite:///") and defaults.database_url.endswith(
        "var/ctid-demo.sqlite3"
    )


def test_example_file_is_valid() -> None:
    loaded = config.load(EXAMPLE)
    assert loaded.source == str(EXAMPLE)
    assert [line.name for line in loaded.lines] == ["demo"]


def test_every_key_is_documented_in_the_example() -> None:
    data = _example_with_optional_keys()
    parsed = config.parse(data, str(EXAMPLE))
    for name, cls in config.SECTIONS.items():
        missing = {f.name for f in dataclasses.fields(cls)} - set(data[name])
        assert not missing, f"[{name}] keys missing from {EXAMPLE.name}: {missing}"
    documented_drivers = {line["driver"]: set(line) for line in data["lines"]}
    for driver, options in config.DRIVER_OPTIONS.items():
        assert driver in documented_drivers, f"no [[lines]] example with driver = {driver!r}"
        common = {"name", "label", "branch", "driver", "record", "record_pause"}
        expected = {f.name for f in dataclasses.fields(options)} | common
        assert expected - documented_drivers[driver] == set(), f"driver {driver} keys undocumented"
    assert {line.driver for line in parsed.lines} == set(config.DRIVER_OPTIONS)


def test_every_sms_sender_key_is_documented_in_the_example() -> None:
    data = _example_with_optional_keys()
    parsed = config.parse(data, str(EXAMPLE))
    documented = {sender["driver"]: set(sender) for sender in data["sms"]["senders"]}
    for driver, options in config.SMS_DRIVER_OPTIONS.items():
        assert driver in documented, f"no [[sms.senders]] example with driver = {driver!r}"
        expected = {f.name for f in dataclasses.fields(options)} | {"name", "driver", "rate_per_minute"}
        assert expected - documented[driver] == set(), f"SMS driver {driver} keys undocumented"
    assert {sender.driver for sender in parsed.sms.senders} == set(config.SMS_DRIVER_OPTIONS)
    assert config.load(EXAMPLE).sms.senders == ()  # commented out: a new install sends no SMS


BAD_CONFIGS = {
    "syntax": ("[web]\nport = = 1\n", "", "TOML syntax error"),
    "unknown key": ("[web]\nprot = 8080\n", "web.prot", "unknown key"),
    "unknown section": ("[webb]\nport = 8080\n", "webb", "unknown section"),
    "wrong type": ('[web]\nport = "eighty"\n', "web.port", "must be an integer"),
    "bad value": ("[web]\nport = 70000\n", "web.port", "between 1 and 65535"),
    "bad time zone": ('[site]\ntimezone = "Mars/Olympus"\n', "site.timezone", "unknown time zone"),
    "unknown driver": (
        '[[lines]]\nname = "a"\ndriver = "telepathy"\n',
        "lines[0].driver",
        "unknown line driver",
    ),
    "duplicate line": (
        '[[lines]]\nname = "a"\ndriver = "sim"\n[[lines]]\nname = "a"\ndriver = "sim"\n',
        "lines[1].name",
        "duplicate line name",
    ),
    "missing driver": ('[[lines]]\nname = "a"\n', "lines[0].driver", "missing"),
    "unknown SMS driver": (
        '[[sms.senders]]\nname = "a"\ndriver = "pigeon"\n',
        "sms.senders[0].driver",
        "unknown SMS driver",
    ),
    "duplicate SMS sender": (
        '[[sms.senders]]\nname = "a"\ndriver = "gsm_modem"\n' * 2,
        "sms.senders[1].name",
        "duplicate SMS sender",
    ),
    "SMS gateway secret missing": (
        '[[sms.senders]]\nname = "a"\ndriver = "tencent"\nsecret_id = "x"\n',
        "sms.senders[0].secret_key",
        "missing",
    ),
    "SMS rate": (
        '[[sms.senders]]\nname = "a"\ndriver = "gsm_modem"\nrate_per_minute = 0\n',
        "sms.senders[0].rate_per_minute",
        "between 1 and 6000",
    ),
    "SMS gateway URL": (
        '[[sms.senders]]\nname = "a"\ndriver = "http"\nurl = "ftp://x"\n',
        "sms.senders[0].url",
        "http:// or https://",
    ),
    "driver key on wrong driver": (
        '[[lines]]\nname = "a"\ndriver = "sim"\ndevice = "/dev/x"\n',
        "lines[0].device",
        "unknown key",
    ),
    "bad backup time": ('[backup]\nat = "3:00"\n', "backup.at", 'time of day "HH:MM"'),
    "bad enum": (
        '[[lines]]\nname = "a"\ndriver = "modem"\ncid_mode = "fancy"\n',
        "lines[0].cid_mode",
        "must be one of",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_exits_2_with_one_clear_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, key, problem = BAD_CONFIGS[case]
    path = tmp_path / "ctid.toml"
    path.write_text(text)
    assert cli.main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and problem in err and "Traceback" not in err
    if key:
        assert f": {key}: " in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.toml"
    assert cli.main(["run", "--config", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "file not found" in err


def test_real_process_exit_status_and_message(tmp_path: Path) -> None:
    path = tmp_path / "ctid.toml"
    path.write_text('[[lines]]\nname = "x"\ndriver = "fax"\n')
    for command in (["check-config", str(path)], ["run", "--config", str(path)]):
        result = subprocess.run(
            [sys.executable, "-m", "ctid", *command], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 2
        assert result.stderr.strip() == (
            f"ctid: config error in {path}: lines[0].driver: "
            "unknown line driver 'fax' (known: sim, modem, audio)"
        )


@pytest.mark.parametrize(
    "nested",
    ["[" * 5000 + "]" * 5000, "{a = " * 5000 + "1" + "}" * 5000, "[{a = " * 2000 + "1" + "}]" * 2000],
)
def test_a_deeply_nested_file_is_one_line_and_exit_2(tmp_path: Path, nested: str) -> None:
    """tomllib recurses per nesting level: before, its RecursionError was a traceback (exit 1)."""
    path = tmp_path / "ctid.toml"
    path.write_text(f"[web]\nport = {nested}\n")
    result = subprocess.run(
        [sys.executable, "-m", "ctid", "check-config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (
        2,
        f"ctid: config error in {path}: TOML nested too deeply (arrays or inline tables)\n",
    )


def test_check_config_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check-config", str(EXAMPLE)]) == 0
    assert "OK" in capsys.readouterr().out


toml_scalars = st.one_of(
    st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), st.text(max_size=20)
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
known_keys = st.sampled_from(
    ["web", "site", "log", "lines", "storage", "database", "security", "port", "name"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(known_keys | st.text(max_size=6), toml_values | st.dictionaries(known_keys, toml_values))
)
def test_any_document_is_a_config_or_a_config_error(data: dict[str, Any]) -> None:
    try:
        loaded = config.parse(data, "fuzz.toml")
    except config.ConfigError as exc:
        assert str(exc).startswith("config error in fuzz.toml")
    else:
        assert isinstance(loaded, config.Config)


@pytest.mark.parametrize("installed", [False, True])
def test_postgresql_needs_its_driver_and_says_so_without_the_password(
    installed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncpg is an optional extra: a PostgreSQL URL without it is a config error, not a traceback at the
    first connection, and the URL's password stays out of the message."""
    pretend_asyncpg(monkeypatch, installed)
    data = {"database": {"url": "postgresql+asyncpg://ctid:s3cret@db.lan/ctid"}}
    if installed:
        assert config.parse(data, "ctid.toml").database.url.startswith("postgresql+asyncpg://")
        return
    with pytest.raises(config.ConfigError) as raised:
        config.parse(data, "ctid.toml")
    assert "database.url" in str(raised.value) and "asyncpg" in str(raised.value)
    assert "s3cret" not in str(raised.value)
