"""``ctid sms test`` as a process on the fake GSM modem."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.messaging.fake_gsm import FakeGsmModem, describe, read_log
from tests.support.waiting import wait_until


async def ctid(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ctid", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def test_sms_test_sends_one_message_and_shows_its_report(tmp_path: Path) -> None:
    fake = FakeGsmModem(tmp_path / "ttyGSM0", tmp_path / "pdus.log")
    fake.plug()
    config = tmp_path / "ctid.toml"
    config.write_text(f'[[sms.senders]]\nname = "modem"\ndriver = "gsm_modem"\ndevice = "{fake.path}"\n')
    try:
        process = await ctid(
            "sms", "test", "modem", "--to", "+8613912345678", "--text", "您好，测试", "--wait", "3",
            "--config", str(config),
        )  # fmt: skip
        await wait_until(lambda: fake.accepted, 20, "the message at the modem")
        fake.status_report(fake.accepted[0].mr, "+8613912345678", 0x00, datetime.now(UTC))
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()
    finally:
        fake.unplug()
    lines = out.decode().splitlines()
    assert "modem ready" in lines and "ucs2, 5 of 70 a part, 1 part(s)" in lines
    assert f"sent: {fake.accepted[0].mr}" in lines
    assert f"delivery report: message reference {fake.accepted[0].mr} delivered" in lines
    ((_, hexdata),) = read_log(tmp_path / "pdus.log")
    assert describe(hexdata)["text"] == "您好，测试"


async def test_sms_test_names_the_senders_it_knows(tmp_path: Path) -> None:
    config = tmp_path / "ctid.toml"
    config.write_text('[[sms.senders]]\nname = "modem"\ndriver = "gsm_modem"\ndevice = "/dev/null-x"\n')
    process = await ctid("sms", "test", "nope", "--to", "+8613912345678", "--config", str(config))
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert (
        process.returncode == 1 and "no SMS sender named 'nope'" in err.decode() and "modem" in err.decode()
    )
