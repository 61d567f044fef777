"""The disk-space guard: the pure decisions, and the look at a real (tiny, private) file system."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ctid.recording.disk import MB, check, enough_space, free_space, may_record
from tests.support.media import on_small_disk

ROOT = Path(__file__).resolve().parents[2]
sizes = st.integers(0, 10**13)


def test_enough_space_is_at_the_threshold_or_above() -> None:
    assert enough_space(500 * MB, 500 * MB) and not enough_space(500 * MB - 1, 500 * MB)
    assert enough_space(0, 0)  # a threshold of 0 turns the guard off


@given(free=sizes, threshold=sizes, margin=sizes)
def test_a_stopped_guard_needs_the_margin_to_start_again(free: int, threshold: int, margin: int) -> None:
    running = may_record(free, threshold, stopped=False, margin_bytes=margin)
    stopped = may_record(free, threshold, stopped=True, margin_bytes=margin)
    assert running == enough_space(free, threshold)
    assert stopped <= running  # never easier to start than to keep going
    assert stopped == (threshold == 0 or free >= threshold + margin)


def test_free_space_of_a_dir_not_made_yet_is_its_parents(tmp_path: Path) -> None:
    space = free_space(tmp_path / "recordings" / "2025" / "03")
    statvfs = os.statvfs(tmp_path)
    assert space.path == tmp_path / "recordings" / "2025" / "03"
    assert space.total == statvfs.f_blocks * statvfs.f_frsize
    assert abs(space.free - statvfs.f_bavail * statvfs.f_frsize) < 64 * MB  # others write meanwhile


_CHILD = """
import json, sys
from pathlib import Path
from ctid.recording.disk import MB, check
disk = Path(sys.argv[1])
verdicts = [check(disk, 2 * MB)]
(disk / "call.wav").write_bytes(b"x" * (3 * MB))  # the disk fills up: 1 MB left of 4
verdicts.append(check(disk, 2 * MB))
(disk / "call.wav").unlink()
verdicts.append(check(disk, 2 * MB, stopped=True, margin_bytes=MB))  # 4 MB free: above 2 + 1
verdicts.append(check(disk, 2 * MB, stopped=True, margin_bytes=3 * MB))  # not above 2 + 3
print(json.dumps([[v.ok, v.free // MB, v.message] for v in verdicts]))
"""


def test_the_guard_on_a_real_disk_filling_up(tmp_path: Path) -> None:
    """A 4 MB tmpfs in a private mount namespace (no root needed) as the recordings dir."""
    disk = tmp_path / "disk"
    assert on_small_disk(disk, "4m", _CHILD, disk) == [
        [True, 4, f"4 MB free in {disk}, at least the 2 MB recordings need"],
        [False, 1, f"1 MB free in {disk}, below the 2 MB recordings need"],
        [True, 4, f"4 MB free in {disk}, at least the 3 MB recordings need"],
        [False, 4, f"4 MB free in {disk}, below the 5 MB recordings need"],
    ]


def test_an_unreadable_disk_is_no_room(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a directory should be")
    verdict = check(blocked / "recordings", MB)
    assert not verdict.ok and verdict.message.startswith(
        f"cannot read the free space of {blocked}/recordings"
    )
