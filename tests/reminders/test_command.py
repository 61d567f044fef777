"""``ctid reminders run [--date]``: builds the day's queue on the configured database and says what it did;
a bad date is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctid import cli


def test_the_command_builds_a_day_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "ctid.toml"
    config.write_text(f'[storage]\ndir = "{tmp_path / "var"}"\n')
    assert cli.main(["reminders", "run", "--date", "2026-12-07", "-c", str(config)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("2026-12-07: 0 reminder(s) added, 0 due found, 0 expired"), said
    assert cli.main(["reminders", "run", "--date", "7/12", "-c", str(config)]) == 1
    assert "--date must be a day like 2026-12-08" in capsys.readouterr().err
