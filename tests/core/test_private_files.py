"""The data dir, database, backups, logs and recordings are the service's: another user reads none of them.

Before, everything was 0644 in 0755 directories: any local user read the password hashes and every
customer. The daemon tests run a real ``ctid run`` in a directory every user may pass through (not pytest's
0700 tmp dirs, which would hide the files whatever their modes) and try to read as ``nobody``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.private_files import private_mode, tighten
from tests.support.daemon import SIM_DESK
from tests.support.daemon_site import pops_of_a_call, start_site
from tests.support.waiting import await_until

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
# prints what it could read or list, one per line: nothing, when the files are private
PEEK = 'for p; do if [ -d "$p" ]; then ls "$p"; else head -c1 "$p"; fi >/dev/null 2>&1 && echo "$p"; done'
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="trying another user's view needs root")


@given(st.integers(0, 0o7777), st.booleans())
def test_a_private_mode_only_takes_away(mode: int, is_dir: bool) -> None:
    private = private_mode(mode, is_dir)
    assert private & ~mode == 0, "never adds a permission"
    assert private & 0o007 == 0 and private & 0o020 == 0, "nothing for others, no writing for the group"
    assert is_dir or private & 0o111 == 0, "data files are no programs"
    assert private_mode(private, is_dir) == private


def test_tighten_makes_loose_files_private_and_leaves_links_alone(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    root = tmp_path / "var"
    deep = root / "recordings" / "2026" / "12" / "07"
    deep.mkdir(parents=True)
    (deep / "140501_desk_13.opus").write_bytes(b"audio")
    (root / "ctid.sqlite3").write_bytes(b"")
    (root / "link").symlink_to(outside)
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)

    done = tighten([root, tmp_path / "no-such-dir"])

    assert (done.files, done.directories, done.refused) == (2, 5, [])
    assert {stat.S_IMODE(p.lstat().st_mode) for p in [root, *root.rglob("*")] if p.is_dir()} == {0o750}
    assert stat.S_IMODE((deep / "140501_desk_13.opus").stat().st_mode) == 0o640
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644, "a link is not followed"
    assert tighten([root]).files == 0, "nothing left to do"


def test_a_walk_cut_short_is_finished_at_the_next_start(tmp_path: Path) -> None:
    """A directory is made private after its contents: one left open is looked into again."""
    root = tmp_path / "var"
    (root / "recordings").mkdir(parents=True)
    (root / "recordings" / "a.wav").write_bytes(b"")
    (root / "recordings" / "a.wav").chmod(0o644)
    (root / "recordings").chmod(0o755)
    root.chmod(0o750)  # as a walk cut short after the root's first look would leave it
    assert tighten([root]).files == 1


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory every user may pass through (pytest's are 0700, which would hide anything)."""
    path = Path(tempfile.mkdtemp(prefix="ctid-private-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def readable_by_nobody(paths: list[Path]) -> list[str]:
    result = subprocess.run(
        [*NOBODY, "sh", "-c", PEEK, "sh", *map(str, paths)], capture_output=True, text=True, timeout=60
    )
    return result.stdout.split()


def loose(paths: list[Path]) -> list[str]:
    """Those open to others (or writable by the group), as ``path mode``."""
    found = []
    for path in paths:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode) or stat.S_ISSOCK(mode):
            continue
        if private_mode(mode, stat.S_ISDIR(mode)) != stat.S_IMODE(mode):
            found.append(f"{path} {oct(stat.S_IMODE(mode))}")
    return found


def everything(*roots: Path) -> list[Path]:
    return [p for root in roots for p in (root, *root.rglob("*"))]


@as_root
async def test_another_user_reads_nothing_of_a_running_daemon(open_dir: Path) -> None:
    site = await asyncio.to_thread(start_site, open_dir, SIM_DESK)
    try:
        talk = ("--rings", "1", "--answer-after", "1", "--talk", "1.5")
        await pops_of_a_call(site, "desk", "13912345678", "call.ended", *talk)
        await await_until(
            lambda: (r := site.rows("select status from recordings")) and r[0]["status"] == "ready",
            what="the recording converted by ffmpeg",
        )
        await asyncio.to_thread(site.ctid, "db", "backup", f"{site.var}/")
        files = everything(site.var)
        names = {p.name for p in files}
        assert {"ctid.sqlite3", "ctid.sqlite3-wal", "ctid.sqlite3-shm", "ctid.log", "ctid.pid"} <= names
        assert any(n.endswith(".opus") for n in names) and any(n.startswith("ctid-2") for n in names)
        assert loose(files) == []
        assert await asyncio.to_thread(readable_by_nobody, files) == []
    finally:
        await asyncio.to_thread(site.daemon.stop)


def _plant_an_old_install(open_dir: Path) -> list[Path]:
    """A data dir as an earlier ctid left it under umask 0022, and its backups on another disk."""
    var, backups = open_dir / "var", open_dir / "usb"
    old = [
        var / "ctid.sqlite3",
        var / "logs" / "ctid.log",
        var / "logs" / "ctid.log.1",
        var / "recordings" / "2026" / "12" / "07" / "140501_desk_13.opus",
        var / "recordings" / "2026" / "12" / "07" / ".140501_desk_13.waveform.json",
        backups / "ctid-20261206-030000.sqlite3",
    ]
    for path in old:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    for path in everything(var, backups):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return everything(var, backups)


@as_root
def test_what_an_earlier_version_left_open_is_made_private_with_one_warning(open_dir: Path) -> None:
    planted = _plant_an_old_install(open_dir)
    assert readable_by_nobody(planted), "the planted files are open, as before"
    site = start_site(open_dir, f'[backup]\ndir = "{open_dir / "usb"}"\n', token=False)
    try:
        assert loose(planted) == [] and readable_by_nobody(planted) == []
    finally:
        site.daemon.stop()
    warnings = [line for line in site.log.splitlines() if "readable by other users" in line]
    assert len(warnings) == 1, warnings
    assert "made 6 files and 7 directories private" in warnings[0], warnings[0]

    again = start_site(open_dir, f'[backup]\ndir = "{open_dir / "usb"}"\n', token=False)
    again.daemon.stop()
    assert site.log.count("readable by other users") == 1, "nothing left open: no warning"


def test_the_service_unit_sets_the_umask_too() -> None:
    """Files systemd makes for the service (and anything it runs before ctid's own umask) are private."""
    unit = (Path(__file__).resolve().parents[2] / "deploy" / "ctid.service").read_text()
    service = unit.split("[Service]", 1)[1].split("\n[", 1)[0]
    assert "\nUMask=0027\n" in service
