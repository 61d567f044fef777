"""What the scheduler's tests share: the daemon's jobs on its own database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ctid.app import build_services, schedule
from ctid.core.config import Config
from ctid.jobs.scheduler import Scheduler
from ctid.services import Services


@asynccontextmanager
async def daemon_jobs(config: Config) -> AsyncIterator[tuple[Services, Scheduler]]:
    """The daemon's services over its database, and its scheduler with every job (not started)."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(config)
    await services.db.start()
    scheduler = schedule(config, services)
    try:
        yield services, scheduler
    finally:
        await scheduler.stop()
        await services.db.stop()
