"""``ctid run`` imports and starts the daemon with the garbage collector off, and turns it on when ready."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ctid import app, cli
from ctid.core.config import Config


@pytest.fixture(autouse=True)
def collector_as_it_was() -> Iterator[None]:
    yield
    gc.enable()
    gc.unfreeze()


def test_the_daemon_is_imported_and_started_with_the_collector_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its some 800 modules' objects live as long as the daemon: collecting them again and again while they
    were built was a tenth of the start's CPU."""
    seen = []

    def run(config: Config) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(app, "run", run)
    config = tmp_path / "ctid.toml"
    config.write_text(f'[storage]\ndir = "{tmp_path / "var"}"\n')
    assert cli.main(["run", "--config", str(config)]) == 0
    assert seen == [False]


def test_when_ready_the_start_up_heap_is_frozen_and_the_collector_on() -> None:
    gc.disable()
    app._freeze_startup_heap()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_verbs_module_is_imported_with_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLAlchemy's import for ``ctid user ...``: a tenth of it was collecting what it builds."""
    seen = []
    real = importlib.import_module

    def import_module(name: str) -> object:
        seen.append((name, gc.isenabled()))
        return real(name)

    monkeypatch.setattr(importlib, "import_module", import_module)
    assert cli.main(["check-config", "/nonexistent/ctid.toml"]) == cli.EXIT_CONFIG
    assert seen == [("ctid.cli.settings", False)]
    assert gc.isenabled()
