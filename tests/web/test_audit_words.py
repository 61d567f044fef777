"""The audit log in words: field labels, translated values, user and branch names, times in the shop's zone;
never a raw key, a code or an id where a name exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ctid.audit.models import AuditEntry
from ctid.web.i18n import Catalogs, Translator
from ctid.web.views.audit_words import Names, ids_named, read_entry
from tests.support.site import Site
from tests.web.support import Api, BrowserFactory

ZH = Translator("zh_CN", Catalogs().get("zh_CN")).gettext
EN = Translator("en", Catalogs().get("en")).gettext
SHOP = ZoneInfo("Asia/Shanghai")
NAMES = Names(users={1: "管理员", 7: "王芳"}, branches={1: "总店", 2: "东区店"})
LABEL = re.compile(r'<b title="([^"]+)">([^<]*)</b>: ([^<]*)</li>')


def _entry(action: str, kind: str, ident: str, before: dict | None, after: dict | None) -> AuditEntry:  # type: ignore[type-arg]
    at = datetime(2026, 3, 22, 6, 0, tzinfo=UTC)
    return AuditEntry(1, at, 1, "admin", "127.0.0.1", action, kind, ident, before, after)


def test_a_users_change_reads_in_words() -> None:
    before = {"role": "operator", "branch_id": 1, "locale": None, "active": True}
    after = {"role": "supervisor", "branch_id": 2, "locale": "zh_CN", "active": False, "password": "(reset)"}
    read = read_entry(_entry("user.update", "user", "7", before, after), ZH, NAMES, SHOP)
    assert (read.when, read.who, read.action, read.what) == (
        "2026-03-22 14:00:00",
        "管理员",
        "修改用户",
        "用户 王芳",
    )
    assert [(c.label, c.value) for c in read.before] == [
        ("角色", "坐席"),
        ("门店", "总店"),
        ("语言", "—"),
        ("启用", "是"),
    ]
    shown = {c.label: c.value for c in read.after}
    assert shown["角色"] == "主管" and shown["门店"] == "东区店" and shown["语言"] == "中文"
    assert shown["启用"] == "否" and shown["密码"] == "（已重置）"
    english = read_entry(_entry("user.update", "user", "7", before, after), EN, NAMES, SHOP)
    assert [c.label for c in english.after] == ["Role", "Branch", "Language", "Active", "Password"]


def test_codes_ids_and_times_become_words() -> None:
    after = {
        "kind": "complaint",
        "status": "in_progress",
        "assigned_user_id": 7,
        "recorder_id": 99,
        "opt_outs": {"marketing": "勿扰"},
        "tags": ["VIP", "老客户"],
        "reviewed_at": "2026-03-22T06:00:00+00:00",
        "due_on": "2026-04-01",
    }
    read = read_entry(_entry("follow_up.create", "follow_up", "3", None, after), ZH, NAMES, SHOP)
    shown = {c.key: c.value for c in read.after}
    assert shown["kind"] == "投诉" and shown["status"] == "处理中"
    assert shown["assigned_user_id"] == "王芳" and shown["recorder_id"] == "#99", (
        "a deleted user keeps the id"
    )
    assert shown["opt_outs"].startswith("营销") and "勿扰" in shown["opt_outs"]
    assert shown["tags"] == "VIP、老客户"
    tagged = _entry("recording.tags", "recording", "5", {"tags": ""}, {"tags": ",投诉,回访,"})
    assert [c.value for c in read_entry(tagged, ZH, NAMES, SHOP).after] == ["投诉、回访"], "stored ,a,b,"
    assert shown["reviewed_at"] == "2026-03-22 14:00:00" and shown["due_on"] == "2026-04-01"
    option = read_entry(
        _entry("crm_option.create", "crm_option", "4", None, {"kind": "level"}), ZH, NAMES, SHOP
    )
    assert option.after[0].value == "级别"


def test_system_actors_and_links() -> None:
    seeded = AuditEntry(
        2, datetime(2026, 3, 22, tzinfo=UTC), None, "demo", "", "crm.seed_demo", "branch", "1", None, {}
    )
    read = read_entry(seeded, ZH, NAMES, SHOP)
    assert (read.who, read.what, read.href) == ("演示数据", "门店 总店", None)
    customer = read_entry(_entry("customer.create", "customer", "12", None, {}), ZH, NAMES, SHOP)
    assert (customer.what, customer.href) == ("客户 #12", "/customers/12"), "one since deleted"
    ids = ids_named([seeded, _entry("user.update", "user", "7", None, {"branch_id": 2, "customer_id": 5})])
    assert (ids.users, ids.branches, ids.customers) == ({1, 7}, {1, 2}, {5})


async def test_the_page_shows_names_and_labels_never_keys(
    site: Site, people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    olga, boss = people["olga"], people["boss"]
    sam = await site.accounts.users.user_by_name("sam")
    east = (await site.accounts.branches.list_branches())[-1]
    status, customer = await olga("POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    assert status == 201
    path = f"/api/v1/customers/{customer['id']}"
    assert (await olga("PATCH", path, {"level": "金卡", "assigned_user_id": sam.id}))[0] == 200
    assert (await olga("PUT", path + "/opt-outs", {"opt_outs": [{"contact_type": "marketing"}]}))[0] == 200
    status, _car = await olga("POST", "/api/v1/vehicles", {"plate": "粤A12345", "transmission": "cvt"})
    assert status == 201
    new = {
        "customer_id": customer["id"],
        "kind": "complaint",
        "category": "服务态度",
        "content": "等了两小时",
    }
    assert (await olga("POST", "/api/v1/follow-ups", new))[0] == 201
    olga_id = (await site.accounts.users.user_by_name("olga")).id
    assert (await boss("PATCH", f"/api/v1/users/{olga_id}", {"role": "supervisor", "branch_id": east.id}))[
        0
    ] == 200

    browser = await new_browser()
    await browser.login("boss")
    browser.plant("ctid_lang", "zh_CN")
    page = await (await browser.get("/admin/audit?per_page=100")).text()
    pairs = LABEL.findall(page)
    assert len(pairs) > 20
    raw = [(key, label) for key, label, _value in pairs if label == key]
    assert raw == [], f"every field has a label: {raw}"
    values = {(key, value) for key, _label, value in pairs}
    assert ("branch_id", "东区店") in values and ("role", "主管") in values and ("role", "坐席") in values
    assert ("assigned_user_id", "Sam") in values and ("transmission", "CVT") in values
    numbers = [(k, v) for k, v in values if k.endswith("_id") and re.fullmatch(r"#?\d+", v)]
    assert numbers == [], numbers
    assert '<td title="olga" data-label="操作人">Olga</td>' in page, "who, by display name"
    assert f'<a href="/customers/{customer["id"]}">客户 张伟</a>' in page
    assert ("customer_id", "张伟") in values
