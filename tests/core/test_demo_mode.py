"""The README's run command (embedded defaults) is a demo: its own database, demo data, a ringing sim line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ctid.app import DEMO_RING_INTERVAL_S, build_services, seed_demo_data, with_demo_line
from ctid.core import config
from ctid.core.config import SimLineOptions, StorageConfig
from ctid.sampledata.demo import DEMO_KNOWN, DEMO_UNKNOWN


async def test_embedded_defaults_get_a_demo_line_and_demo_customers(tmp_path: Path) -> None:
    defaults = dataclasses.replace(config.load(None), storage=StorageConfig(tmp_path / "var"))
    assert defaults.demo and defaults.database_url.endswith("ctid-demo.sqlite3")
    demo = with_demo_line(defaults)
    (line,) = demo.lines
    assert isinstance(line.options, SimLineOptions) and line.options.ring_interval_s == DEMO_RING_INTERVAL_S
    assert line.options.script == (*DEMO_KNOWN, DEMO_UNKNOWN)

    services = build_services(demo)
    await services.db.start()
    try:
        await services.accounts.users.bootstrap()
        await seed_demo_data(services)
        await seed_demo_data(services)  # a second start adds nothing
        assert len(await services.crm.match("+8613800138000")) == 1
        assert len(await services.crm.match("+862088881234")) == 3
        assert await services.crm.match(services.normaliser.normalise(DEMO_UNKNOWN).e164 or "") == []
    finally:
        await services.db.stop()


def test_a_real_config_never_gets_demo_data(tmp_path: Path) -> None:
    path = tmp_path / "ctid.toml"
    path.write_text(f'[storage]\ndir = "{tmp_path}"\n')
    real = config.load(path)
    assert not real.demo and real.database_url.endswith("/ctid.sqlite3")
    assert with_demo_line(real).lines == ()
