"""The menu each role sees: the same links, in the same order, as when base.html listed them by hand.

The entries now come from the features (ctid/web/views/*: ``FEATURE``); these lists are what the page
showed before, so a feature that moves, drops or reorders an entry shows here.
"""

from __future__ import annotations

import re

import pytest

from ctid.accounts.models import Role
from tests.support.site import Site
from tests.web.support import BrowserFactory

NAV = re.compile(r'<nav class="mainnav">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"\s*(class="active")?\s*>([^<]*)</a>')

OPERATOR = [
    ("/", "Home"),
    ("/console", "Console"),
    ("/customers", "Customers"),
    ("/reminders", "Worklist"),
    ("/appointments", "Appointments"),
    ("/prospects", "Prospects"),
    ("/calls", "Calls"),
    ("/sms", "SMS"),
    ("/recordings", "Recordings"),
    ("/lines", "Lines"),
]
SUPERVISOR = [
    ("/", "Home"),
    ("/console", "Console"),
    ("/board", "Live board"),
    ("/customers", "Customers"),
    ("/reminders", "Worklist"),
    ("/appointments", "Appointments"),
    ("/campaigns", "Campaigns"),
    ("/prospects", "Prospects"),
    ("/calls", "Calls"),
    ("/sms", "SMS"),
    ("/recordings", "Recordings"),
    ("/stats", "Statistics"),
    ("/lines", "Lines"),
    ("/system", "System"),
]
ADMIN = [
    ("/", "Home"),
    ("/console", "Console"),
    ("/board", "Live board"),
    ("/customers", "Customers"),
    ("/reminders", "Worklist"),
    ("/appointments", "Appointments"),
    ("/campaigns", "Campaigns"),
    ("/prospects", "Prospects"),
    ("/calls", "Calls"),
    ("/sms", "SMS"),
    ("/recordings", "Recordings"),
    ("/stats", "Statistics"),
    ("/lines", "Lines"),
    ("/system", "System"),
    ("/admin/users", "Users"),
    ("/admin/branches", "Branches"),
    ("/admin/tokens", "API tokens"),
    ("/admin/reminders", "Reminder settings"),
    ("/admin/crm-options", "Base data"),
    ("/admin/catalogue", "Service catalogue"),
    ("/admin/audit", "Audit log"),
]


def menu(page: str) -> list[tuple[str, str, bool]]:
    """(href, text, active) of the main menu's links, in order."""
    found = NAV.search(page)
    assert found, "no main menu on the page"
    return [(href, text.strip(), bool(active)) for href, active, text in LINK.findall(found.group(1))]


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.OPERATOR, OPERATOR), (Role.ADVISOR, OPERATOR), (Role.SUPERVISOR, SUPERVISOR), (Role.ADMIN, ADMIN)],
    ids=["operator", "advisor", "supervisor", "admin"],
)
async def test_each_role_sees_the_menu_it_saw_before(
    site: Site, new_browser: BrowserFactory, role: Role, expected: list[tuple[str, str]]
) -> None:
    await site.user("someone", role)
    browser = await new_browser()
    await browser.login("someone")
    page = await (await browser.get("/")).text()
    assert menu(page) == [(href, text, href == "/") for href, text in expected]


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/", "/"),
        ("/customers/new", "/customers"),
        ("/recordings/access", "/recordings"),
        ("/admin/users/new", "/admin/users"),
        ("/admin/crm-options", "/admin/crm-options"),
        ("/account/password", None),
    ],
)
async def test_the_page_shown_marks_its_entry_and_only_it(
    site: Site, new_browser: BrowserFactory, path: str, active: str | None
) -> None:
    await site.user("root", Role.ADMIN)
    browser = await new_browser()
    await browser.login("root")
    response = await browser.get(path)
    assert response.status == 200, path
    marked = [href for href, _text, is_active in menu(await response.text()) if is_active]
    assert marked == ([active] if active else [])


async def test_the_menu_is_in_the_users_language(site: Site, new_browser: BrowserFactory) -> None:
    await site.user("wang", Role.SUPERVISOR)
    browser = await new_browser()
    await browser.login("wang")
    page = await (await browser.get("/", headers={"Accept-Language": "zh-CN"})).text()
    texts = [text for _href, text, _active in menu(page)]
    assert texts == [
        "首页",
        "坐席台",
        "实时看板",
        "客户",
        "提醒",
        "预约",
        "外呼任务",
        "潜客",
        "通话记录",
        "短信",
        "录音",
        "统计",
        "线路",
        "系统",
    ]


async def test_no_menu_for_anonymous_visitors(new_browser: BrowserFactory) -> None:
    page = await (await (await new_browser()).get("/login")).text()
    assert 'class="mainnav"' not in page
