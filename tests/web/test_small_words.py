"""Small things people read: the header names the site once, the forced password change says why and the
rules, the System page's uptime is a duration and its log in the shop's time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctid.accounts import passwords
from ctid.accounts.models import Role
from ctid.accounts.users import UserChanges
from ctid.core.config import Config
from ctid.crm.imports import export
from ctid.crm.imports.fields import BY_NAME, LABELS
from ctid.web.i18n import Catalogs, Translator
from tests.support.site import TEST_ACTOR, Site, make_config
from tests.web.support import Browser, BrowserFactory

RESET = "an admin's new passphrase"


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return make_config(str(tmp_path / "var"), database_url, site={"name": "ctid"})


async def test_the_header_names_ctid_once_when_the_site_has_no_name_of_its_own(as_admin: Browser) -> None:
    page = await (await as_admin.get("/")).text()
    brand = page.split('class="brand"')[1].split("</a>")[0]
    assert brand == ' href="/">ctid', "not 'ctid ctid'"


async def test_a_new_account_is_told_why_and_the_rules(site: Site, new_browser: BrowserFactory) -> None:
    await site.user("newbie", Role.OPERATOR, must_change_password=True)
    browser = await new_browser()
    await browser.login("newbie")
    page = await (await browser.get("/account/password")).text()
    assert "This is a new account" in page and "administrator reset" not in page
    rules = page.split('id="rules"')[1].split("</div>")[0]
    for message, params in passwords.rules():
        assert message % params in rules
    assert f"At least {passwords.MIN_LENGTH} characters" in rules


async def test_a_reset_account_is_told_an_admin_reset_it(site: Site, new_browser: BrowserFactory) -> None:
    user = await site.user("forgetful", Role.OPERATOR)
    await site.accounts.users.update_user(TEST_ACTOR, user.id, UserChanges(new_password=RESET))
    browser = await new_browser()
    await browser.login("forgetful", RESET)
    page = await (await browser.get("/account/password")).text()
    assert "An administrator reset your password" in page and "new account" not in page
    form = {"old_password": RESET, "new_password": "x", "confirm_password": "x"}
    wrong = await browser.post("/account/password", form)
    assert wrong.status == 422 and "An administrator reset your password" in await wrong.text()


async def test_someone_who_need_not_change_it_is_told_no_reason(as_admin: Browser) -> None:
    page = await (await as_admin.get("/account/password")).text()
    assert 'id="why"' not in page and 'id="rules"' in page


async def test_the_uptime_is_a_duration_and_the_log_is_in_the_shops_time(as_admin: Browser) -> None:
    page = await (await as_admin.get("/system")).text()
    uptime = page.split('id="system-uptime">')[1].split("</dd>")[0]
    assert ":" not in uptime and uptime.endswith((" s", " min", " h")), uptime
    assert "time zone (Asia/Shanghai)." in page


def test_export_headers_are_the_pages_words_in_both_languages() -> None:
    """One word for one thing: a column of an export is called what the pages call the field (角色, not
    关系; 年检到期, not 年审日期), and the importer still reads the old words."""
    zh = Translator("zh_CN", Catalogs().get("zh_CN"))
    assert export.headers(language="en") == [LABELS[name] for name in export.ALL_FIELDS]
    assert export.headers(language="zh") == [zh.gettext(LABELS[name]) for name in export.ALL_FIELDS]
    assert {"角色", "年检到期"} <= set(export.headers(language="zh"))
    for old, field in (("关系", "role"), ("年审日期", "inspection_due"), ("客户名称", "name")):
        assert old in BY_NAME[field].zh
