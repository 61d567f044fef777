"""What the core tests share."""

from __future__ import annotations

import importlib.util

import pytest


def pretend_asyncpg(monkeypatch: pytest.MonkeyPatch, installed: bool) -> None:
    """The config checks for PostgreSQL's optional driver by ``find_spec``: make it found or not, whatever
    this machine has."""
    real = importlib.util.find_spec
    stand_in = real("json") if installed else None
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: stand_in if name == "asyncpg" else real(name, *a)
    )
