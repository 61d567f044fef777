"""The System page and API: the daemon's health with the reasons, for supervisors and admins only."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctid.accounts.models import Role
from ctid.system.status import log_problems
from tests.support.site import Site
from tests.web.support import Browser, BrowserFactory


async def test_operators_do_not_see_the_system(as_operator: Browser) -> None:
    assert (await as_operator.get("/system")).status == 403
    assert (await as_operator.client.get("/api/v1/system")).status == 403
    assert 'href="/system"' not in await (await as_operator.get("/")).text()


async def test_a_healthy_daemon_says_so_with_its_figures(
    site: Site, new_browser: BrowserFactory, database_backend: str
) -> None:
    """On PostgreSQL the database's size is the server's figure, and its backups are pg_dump's."""
    supervisor = await site.user("sun", Role.SUPERVISOR)
    browser = await new_browser()
    await browser.login(supervisor.username)
    page = await (await browser.get("/system")).text()
    assert 'href="/system"' in page and 'id="system-problems"' not in page
    body = await (await browser.client.get("/api/v1/system")).json()
    assert body["database_ok"] is True and body["database_problem"] is None
    assert body["database_bytes"] > 0 and body["recording_alert"] is None
    if database_backend == "postgresql":
        assert body["backup"]["pg_dump"] is True and body["backup"]["at"] == ""
        assert "pg_dump" in page.split('id="system-backup"')[1].split("</dd>")[0]
    else:
        assert body["backup"]["at"] == "03:00" and body["backup"]["pg_dump"] is False
    assert body["disks"] and all(d["free_bytes"] <= d["total_bytes"] for d in body["disks"])
    assert body["uptime_s"] >= 0


@pytest.mark.sqlite_only  # the nightly copy is SQLite's
async def test_problems_show_with_their_reasons(site: Site, as_admin: Browser, tmp_path: Path) -> None:
    backup = site.services.backup
    assert backup is not None
    backup.directory = tmp_path / "usb-disk"
    backup.directory.write_text("the USB disk is not mounted")
    await backup.run()
    logs = site.services.config.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "ctid.log").write_text(
        "2026-12-02 03:00:00,001 INFO    ctid.app: fine\n"
        "2026-12-02 03:00:01,002 ERROR   ctid.storage.nightly_backup: nightly backup failed: <usb-disk>\n"
        "2026-12-02 03:00:02,003 WARNING ctid.voicecard.modem_driver: line desk: modem gone\n",
        encoding="utf-8",
    )
    page = await (await as_admin.get("/system")).text()
    assert 'id="system-problems"' in page and "usb-disk" in page
    body = await (await as_admin.client.get("/api/v1/system")).json()
    assert "usb-disk" in body["backup"]["problem"]
    assert [line.split()[2] for line in body["log_problems"]] == ["WARNING", "ERROR"], "newest first"
    assert "&lt;usb-disk&gt;" in page, "log lines are escaped"


def test_the_log_tail_reads_only_the_end_of_a_big_file(tmp_path: Path) -> None:
    path = tmp_path / "ctid.log"
    with path.open("w", encoding="utf-8") as file:
        file.write("2026-12-01 00:00:00,000 ERROR   old: long ago\n" * 20000)  # ~900 KB
        for n in range(30):
            file.write(f"2026-12-02 00:00:{n:02d},000 WARNING new: problem {n}\n")
    found = log_problems(path)
    assert len(found) == 20 and found[0].endswith("problem 29") and found[-1].endswith("problem 10")
    assert log_problems(tmp_path / "missing.log") == ()
