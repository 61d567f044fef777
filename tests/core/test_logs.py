"""Phone numbers stay out of the logs: masked in messages and tracebacks, however they are written."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ctid.core import logs
from ctid.core.config import LogConfig
from ctid.core.logs import mask_numbers


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("caller 13912345678 rang", "caller 139*****678 rang"),
        ("+8613912345678", "+861*******678"),
        ("020-88881234", "020-*****234"),
        ("020-8888-1234", "020-****-*234"),
        ("+86 139 1234 5678", "+86 1** **** *678"),
        ("电话13912345678号", "电话139*****678号"),
        ("1234567", "123*567"),
        ("/0 13912345678 x", "/0 139*****678 x"),
        ("part 1/2 139 1234 5678", "part 1/2 139 **** *678"),
        ("123456", "123456"),
        ("call 42 on line 3", "call 42 on line 3"),
        ("at 2026-12-02 08:57:25, 152364 bytes", "at 2026-12-02 08:57:25, 152364 bytes"),
        ("web on http://192.168.100.200:8080/", "web on http://192.168.100.200:8080/"),
        ("call 5ebcc05ee58b48e3939f0b19563a3476", "call 5ebcc05ee58b48e3939f0b19563a3476"),
    ],
)
def test_phone_numbers_are_masked_in_logs(text: str, masked: str) -> None:
    assert mask_numbers(text) == masked


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


def written(number: str, style: int) -> str:
    """A mobile as people and systems write it."""
    return [
        number,
        f"+86{number}",
        f"{number[:3]}-{number[3:7]}-{number[7:]}",
        f"+86 {number[:3]} {number[3:7]} {number[7:]}",
        f"0086{number}",
    ][style]


@given(mobiles, st.integers(0, 4), st.text(max_size=20), st.text(max_size=20))
@example("13000000000", 0, "/0", "")  # a run that starts in a file's name ran on into the number
def test_no_written_mobile_survives_with_more_than_six_of_its_digits(
    number: str, style: int, before: str, after: str
) -> None:
    masked = mask_numbers(f"{before} {written(number, style)} {after}")
    middle = number[3:8]
    assert middle not in re.sub(r"[ -]", "", masked.replace(before, "").replace(after, ""))


@given(st.text(max_size=60))
def test_masking_is_idempotent_and_keeps_the_length(text: str) -> None:
    once = mask_numbers(text)
    assert mask_numbers(once) == once
    assert len(once) == len(text)


@pytest.mark.parametrize(
    "text",
    [
        "nightly backup: /var/lib/ctid/backups/ctid-20261207-140501.sqlite3, 1.2 MB in 0.1 s",
        "recordings dir: registered recordings/2026/12/07/140501_desk_1234567.opus found without a row",
        "cannot read the waveform of 140501_desk_1234567.wav: the player computes it",
        "backup to /mnt/usb/ctid-20261207-140501.sqlite3 failed: disk full",
        "removed '/srv/ctid 2/.ctid-20261207-140501.sqlite3.partial'",
        "download recording-42-20260322-140503.opus",
    ],
)
def test_file_names_keep_their_digits(text: str) -> None:
    """Before, a backup's dated name lost its time (ctid-202********501.sqlite3) and a recording of call
    1234567 its call."""
    assert mask_numbers(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("GET /api/v1/calls?number=13912345678", "GET /api/v1/calls?number=139*****678"),
        ("called 13912345678.", "called 139*****678."),
        ("file /x/140501_desk_13.opus from 13912345678", "file /x/140501_desk_13.opus from 139*****678"),
    ],
)
def test_numbers_beside_file_names_are_still_masked(text: str, masked: str) -> None:
    assert mask_numbers(text) == masked


component = st.text("abcdefghijklmnopqrstuvwxyzABC0123456789_-.", min_size=1, max_size=12).filter(
    lambda c: c not in (".", "..")
)
made_by_ctid = st.one_of(
    st.builds(
        lambda when, line, call, ext: f"recordings/{when:%Y/%m/%d/%H%M%S}_{line}_{call}.{ext}",
        st.datetimes(),
        component,
        st.integers(1, 10**12),
        st.sampled_from(["opus", "mp3", "wav", "json"]),
    ),
    st.builds(lambda when: f"backups/ctid-{when:%Y%m%d-%H%M%S}.sqlite3", st.datetimes()),
)
paths = st.one_of(
    made_by_ctid,
    st.builds(lambda parts: "/" + "/".join(parts), st.lists(component, min_size=1, max_size=6)),
    st.builds(
        lambda root, name: f"{root}/{name}", st.sampled_from(["/var/lib/ctid", "var", "."]), made_by_ctid
    ),
)


@given(
    paths, mobiles, st.integers(0, 4), st.sampled_from(["{p}: {n}", "{n} -> {p}", "{p}, {n}.", "'{p}' {n}"])
)
def test_paths_survive_and_numbers_beside_them_do_not(path: str, number: str, style: int, shape: str) -> None:
    text = shape.format(p=path, n=written(number, style))
    masked = mask_numbers(text)
    assert path in masked, "the path is as it was"
    assert number[3:8] not in re.sub(r"[ -]", "", masked.replace(path, "")), "the number is masked"


def test_a_traceback_carrying_a_number_is_masked_in_the_log_file(tmp_path: Path) -> None:
    root = logging.getLogger()
    kept, level = list(root.handlers), root.level
    path = logs.setup(LogConfig(), tmp_path)
    assert path is not None
    try:
        try:
            raise ValueError("no customer for 13912345678")
        except ValueError:
            logging.getLogger("ctid.test").exception("lookup failed for 13700000001")
    finally:
        for handler in list(root.handlers):
            handler.close()
            root.removeHandler(handler)
        for handler in kept:
            root.addHandler(handler)
        root.setLevel(level)
    text = path.read_text(encoding="utf-8")
    assert "lookup failed for 137*****001" in text
    assert "ValueError: no customer for 139*****678" in text
    assert "13912345678" not in text and "13700000001" not in text


def test_the_log_is_written_in_the_shops_time(tmp_path: Path) -> None:
    """The System page shows the log's lines as written: in the site's zone, as every page's times."""
    root = logging.getLogger()
    kept, level = list(root.handlers), root.level
    path = logs.setup(LogConfig(), tmp_path, "Asia/Shanghai")
    assert path is not None
    try:
        record = logging.LogRecord("ctid.test", logging.WARNING, __file__, 1, "disk low", None, None)
        record.created, record.msecs = 1_700_000_000.25, 250.0  # 2023-11-14 22:13:20 UTC
        root.handle(record)
    finally:
        for handler in list(root.handlers):
            handler.close()
            root.removeHandler(handler)
        for handler in kept:
            root.addHandler(handler)
        root.setLevel(level)
    assert path.read_text(encoding="utf-8").startswith("2023-11-15 06:13:20,250 WARNING ctid.test: disk low")
