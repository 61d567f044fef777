"""Suite-wide markers.

The suite runs in two passes (quickstart.sh): everything else in parallel on every core, then the tests
marked ``realtime`` alone. Those measure time against the wall clock or keep pace with audio played in real
time (a pop within N seconds, a disk filling mid-call, PyAudio reading a sound card sample for sample); with a
second worker on the same two cores they measure the neighbour, not ctid.
"""

from __future__ import annotations

import pytest

REALTIME = (
    "tests/resilience/",
    "tests/recording/test_audio_in.py",
    "tests/recording/test_recorder.py",
    "tests/recording/test_kill.py",
    "tests/recording/test_tap_recording.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix()
        if where.startswith(REALTIME):
            item.add_marker(pytest.mark.realtime)
