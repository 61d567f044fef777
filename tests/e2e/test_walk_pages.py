"""The admin web as a demanding user walks it, in a real browser against one real daemon for the module.

What a mature product does and these pages once did not: the menu fits a 1366 px office screen in English
and a phone; what cannot be undone asks first; a form's error names the field as the form labels it and
marks it; a list paged past its end offers the way back; the call log and the recordings name a line as
the installer labelled it and time a call as a clock does. Selectors are ids, names and attributes.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect

from ctid import control
from tests.e2e.support import add_user, log_in, new_page, submit
from tests.support.daemon import Daemon, free_port, write_config
from tests.support.waiting import wait

pytestmark = pytest.mark.browser

PASSWORD = "walk-the-pages-2026"
LINE_LABEL = "前台总机"
CONFIG = (
    '[site]\nname = "Test Motors"\n'
    '[[lines]]\nname = "desk"\nlabel = "' + LINE_LABEL + '"\ndriver = "sim"\nring_timeout_s = 1.0\n'
)
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for every walk here, with an admin ``boss`` whose password needs no change."""
    directory = tmp_path_factory.mktemp("walk")
    port = free_port()
    daemon = Daemon(write_config(directory, port, CONFIG), port).start()
    try:
        daemon.wait_healthy()
        add_user(daemon.config, "boss", "admin", PASSWORD)
        yield daemon
    finally:
        status = daemon.stop()
    assert status == 0, daemon.stderr()


@pytest.fixture(scope="module")
def browser(shared_chromium: Browser) -> Iterator[Browser]:
    """The worker's Chromium; the module's contexts are closed after its last walk."""
    yield shared_chromium
    for context in shared_chromium.contexts:
        context.close()


@pytest.fixture
def problems() -> Iterator[list[str]]:
    """Console errors and uncaught exceptions of the test's pages; none may remain but the statuses asked
    for (a form sent with an error is answered 422, one sent after its session ended 401)."""
    found: list[str] = []
    yield found
    assert [p for p in found if not re.search(r"status of (401|404|422)", p)] == []


def boss(browser: Browser, site: Daemon, locale: str, problems: list[str]) -> Page:
    _context, page = new_page(browser, locale, problems)
    log_in(page, site.url, "boss", PASSWORD)
    return page


def new_customer(page: Page, site: Daemon, name: str, phone: str, plate: str = "", vin: str = "") -> None:
    """Through the new-customer form, as a person types it; the page ends on the customer's."""
    page.goto(site.url + "/customers/new")
    page.fill("input[name=name]", name)
    page.fill("input[name=phone_number]", phone)
    page.fill("input[name=plate]", plate)
    page.fill("input[name=vin]", vin)
    with page.expect_navigation(url=re.compile(r"/customers/\d+$")):
        page.click("#customer-form button[type=submit]")


def ring(site: Daemon, number: str, **call: object) -> None:
    """A call on the sim line through the control socket (as ``ctid line simulate``)."""
    request = {"command": "simulate", "line": "desk", "number": number, "rings": 1, **call}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(site.config.parent / "var" / "ctid.sock"))
        sock.sendall(control.to_json(request))
        answer = json.loads(sock.makefile("rb").readline())
        assert answer["ok"], answer


def fits_the_width(page: Page) -> None:
    """Nothing sticks out sideways: no page scroll, every menu link on one line and on screen."""
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    links = page.locator(".mainnav a, .usermenu a, .usermenu button")
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, links.nth(index)
        assert box["height"] < 40, f"{links.nth(index).inner_text()!r} wraps"


def test_the_menu_fits_an_office_screen_in_english_and_a_phone(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "en-US", problems)
    for path in ("/", "/calls", "/admin/users"):
        page.goto(site.url + path)
        fits_the_width(page)
        expect(page.locator("#logout")).to_be_in_viewport()

    page.set_viewport_size(PHONE)
    for path in ("/", "/calls", "/admin/users", "/admin/audit"):
        page.goto(site.url + path)
        fits_the_width(page)
    # on a phone the audit log is a card an entry: no cell of it runs off the screen
    cells = page.locator("table.list.audit td")
    assert cells.count() > 0
    off = cells.evaluate_all("cells => cells.filter(c => c.getBoundingClientRect().right > innerWidth + 1)")
    assert off == [], "an audit cell runs off a phone's screen"
    page.screenshot(path=str(site.config.parent / "phone-audit.png"))


def test_a_customer_and_the_statistics_fit_a_phone(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    # full-width, as a Chinese IME types them
    phone, plate = "１３８００１３８０００", "粤Ａ１２３４５"
    new_customer(page, site, "张伟", phone, plate=plate, vin="LSVNV2187E2100001")
    expect(page.locator("main")).to_contain_text("粤A12345")
    page.set_viewport_size(PHONE)
    for path in (page.url.removeprefix(site.url), "/stats"):
        page.goto(site.url + path)
        fits_the_width(page)


def test_revoking_a_token_and_deleting_an_announcement_ask_first(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/account/tokens")
    page.fill("form[action='/account/tokens'] input[name=name]", "打印机脚本")
    submit(page, "form[action='/account/tokens']")
    revoke = page.locator("form[action$='/revoke'] button")
    questions: list[str] = []

    def answer(accept: bool) -> None:
        def on_dialog(dialog: Dialog) -> None:
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", on_dialog)

    answer(False)
    revoke.click()
    page.wait_for_timeout(300)
    assert questions and "打印机脚本" in questions[0]
    expect(revoke).to_have_count(1)  # still active: nothing was sent
    answer(True)
    with page.expect_navigation():
        revoke.click()
    expect(revoke).to_have_count(0)

    page.goto(site.url + "/")
    page.fill("#new-announcement input[name=title]", "周六停电检修")
    submit(page, "#new-announcement")
    delete = page.locator("#announcements form button")
    answer(False)
    delete.click()
    page.wait_for_timeout(300)
    assert "周六停电检修" in questions[-1]
    expect(page.locator("#announcements")).to_contain_text("周六停电检修")

    page.goto(site.url + "/prospects")
    page.click("#register-prospect")
    page.fill("#prospect-form input[name=name]", "钱先生")
    page.fill("#prospect-form input[name=phone]", "13933334444")
    with page.expect_navigation(url=re.compile(r"/prospects/\d+$")):
        page.click("#prospect-form button[type=submit]")
    answer(False)
    page.click("#lose-form button[type=submit]")
    page.wait_for_timeout(300)
    assert "钱先生" in questions[-1]
    page.reload()
    expect(page.locator("#prospect-page")).to_have_attribute("data-status", "registered")


def test_a_form_error_names_the_field_as_labelled_and_marks_it(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/admin/users/new")
    page.fill("input[name=username]", "   ")  # passes the browser's `required`, not the server
    page.fill("input[name=display_name]", "王小丽")
    page.select_option("select[name=role]", "supervisor")
    submit(page, "main form")
    error = page.locator("#form-error").inner_text()
    assert "用户名" in error and "username" not in error, error
    username = page.locator("input[name=username]")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_be_focused()
    expect(page.locator("input[name=display_name]")).to_have_value("王小丽")
    expect(page.locator("select[name=role]")).to_have_value("supervisor")

    page.fill("input[name=username]", "boss")  # taken
    submit(page, "main form")
    expect(page.locator("input[name=username]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=display_name]")).not_to_have_attribute("aria-invalid", "true")

    page.goto(site.url + "/admin/branches/new")
    page.fill("input[name=code]", " ")
    page.fill("input[name=name]", "东区店")
    submit(page, "main form")
    assert "编码" in page.locator("#form-error").inner_text()
    expect(page.locator("input[name=code]")).to_be_focused()

    page.goto(site.url + "/")
    page.fill("#new-announcement input[name=title]", "  ")
    page.fill("#new-announcement textarea[name=body]", "正文不丢")
    submit(page, "#new-announcement")
    title = page.locator("#new-announcement input[name=title]")
    expect(title).to_be_focused()
    expect(title).to_be_in_viewport()
    assert "标题" in page.locator("#form-error").inner_text()
    expect(page.locator("#new-announcement textarea[name=body]")).to_have_value("正文不丢")

    # a branch that does not exist (a form from before a restore, or a crafted one) is an error, not a 500
    page.goto(site.url + "/admin/users")
    with page.expect_navigation():
        page.locator("table.list a", has_text="boss").click()
    csrf = page.locator("main form input[name=csrf_token]").input_value()
    form = {"csrf_token": csrf, "display_name": "x", "role": "admin", "branch_id": "99999", "active": "on"}
    refused = page.request.post(page.url, form=form, max_redirects=0)
    assert refused.status == 422 and "门店不存在" in refused.text(), refused.status
    # an admin demoting himself, no line ticked: the form again with the reason (was a 500 too)
    page.select_option("select[name=role]", "operator")
    submit(page, "main form")
    expect(page.locator("#form-error")).to_be_visible()
    expect(page.locator("select[name=role]")).to_have_attribute("aria-invalid", "true")

    response = page.goto(site.url + "/admin/users/0")
    assert response is not None and response.status in (404, 422), "user 0 is nobody, not a new user"


def test_a_list_paged_past_its_end_offers_the_way_back(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/admin/users?role=admin&page=7")
    back = page.locator("#past-the-end a")
    expect(page.locator("#past-the-end")).to_contain_text("7")
    with page.expect_navigation():
        back.click()
    assert "page=1" in page.url and "role=admin" in page.url
    expect(page.locator("table.list tbody tr", has_text="boss")).to_have_count(1)

    page.goto(site.url + "/admin/users?q=nobody-by-that-name")
    expect(page.locator("#no-users")).to_have_text("没有符合条件的记录。")  # an empty list says so


def test_calls_and_recordings_show_the_line_label_and_a_clock(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    new_customer(page, site, "赵敏", "020-3888-7777")
    ring(site, "020-3888-7777", answer_after=1, talk_s=1.2)
    wait(
        lambda: page.request.get(site.url + "/api/v1/calls?outcome=answered").json()["items"],
        10,
        "the answer",
    )
    wait(
        lambda: page.request.get(site.url + "/api/v1/calls").json()["items"][0]["ended_at"],
        10,
        "the call's end",
    )

    page.goto(site.url + "/calls")
    cells = page.locator("table.calls tbody tr").first.locator("td").all_inner_texts()
    assert cells[1] == LINE_LABEL, cells
    assert re.fullmatch(r"0:0[1-3]", cells[8]), f"a duration reads like a clock, got {cells[8]!r}"
    customer = page.locator("table.calls tbody tr").first.locator("a.customer")
    expect(customer).to_have_text("赵敏")  # the caller the pop matched
    # the filter finds it as a Chinese IME types digits (full-width) and as the list writes the number
    for typed in ("０２０３８８８", "020-3888"):
        page.fill("form.filters input[name=number]", typed)
        submit(page, "form.filters")
        expect(page.locator("table.calls a.customer", has_text="赵敏")).to_have_count(1)

    page.goto(site.url + "/recordings")
    row = page.locator("tr.recording-row").first
    expect(row).to_contain_text(LINE_LABEL)
    for match in ("begins", "contains"):
        for typed in ("０２０３８８８", "020-3888"):
            page.goto(site.url + f"/recordings?match={match}&number={typed}")
            expect(page.locator("tr.recording-row")).to_have_count(1)
    page.goto(site.url + "/recordings")
    with page.expect_navigation():
        row.locator("a").first.click()
    expect(page.locator("main")).to_contain_text(LINE_LABEL)

    # a refused tag stays on the player (saved in place, no reload), says which field in its words, and
    # keeps what was typed
    too_long = "超长标签" * 8
    page.fill("#tags-form input[name=tags]", f"投诉, {too_long}")
    page.click("#tags-form button[type=submit]")
    expect(page.locator("#tags-status")).to_contain_text("标签")
    tags = page.locator("#tags-form input[name=tags]")
    expect(tags).to_have_attribute("aria-invalid", "true")
    expect(tags).to_have_value(f"投诉, {too_long}")
    expect(page.locator("#player")).to_be_visible()


def test_the_audit_log_reads_in_chinese(browser: Browser, site: Daemon, problems: list[str]) -> None:
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/admin/branches/new")
    page.fill("input[name=code]", "south")
    page.fill("input[name=name]", "南区店")
    submit(page, "main form")
    page.goto(site.url + "/admin/audit?action=branch.create")
    row = page.locator("table.audit tbody tr", has_text="南区店")
    cells = row.locator("td").all_inner_texts()
    assert cells[3] == "新增门店" and cells[4] == "门店 南区店", cells
    assert "编码" in cells[6] and "名称" in cells[6] and "code" not in cells[6], cells[6]
    options = page.locator("select[name=action] option").all_inner_texts()
    assert "登录" in options and "新增门店" in options and "user.login" not in options, options
    kinds = page.locator("select[name=entity_type] option").all_inner_texts()
    assert "门店" in kinds and "branch" not in kinds, kinds


def test_two_tabs_editing_one_customer_keep_each_others_changes(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    """Tab B was opened before tab A saved: B's save changes what B changed, and leaves A's change."""
    first = boss(browser, site, "zh-CN", problems)
    new_customer(first, site, "李娜", "13911112222")
    second = first.context.new_page()
    second.goto(first.url)

    first.click("#edit-customer")
    first.fill("#customer-edit input[name=address]", "天河区体育西路 1 号")
    with first.expect_navigation():
        first.click("#customer-edit button[type=submit]")
    second.click("#edit-customer")
    second.fill("#customer-edit textarea[name=notes]", "只接受下午来电")
    second.fill("#customer-edit input[name=phone_label]", "手机")
    with second.expect_navigation():
        second.click("#customer-edit button[type=submit]")

    facts = second.locator("#customer-facts")
    expect(facts).to_contain_text("天河区体育西路 1 号")  # tab A's change survives
    expect(facts).to_contain_text("只接受下午来电")
    expect(facts).to_contain_text("手机")


def test_a_form_outlives_its_session(browser: Browser, site: Daemon, problems: list[str]) -> None:
    """The session ends while a new customer is typed in: the page offers a login in a new tab and then
    saves what was typed (with the new session's CSRF token)."""
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/customers/new")
    page.fill("input[name=name]", "过期会话客户")
    page.fill("input[name=phone_number]", "13922223333")
    elsewhere = page.context.new_page()
    elsewhere.goto(site.url + "/")
    with elsewhere.expect_navigation():
        elsewhere.click("#logout")  # as an expiry would: the session is gone

    page.click("#customer-form button[type=submit]")
    relogin = page.locator("#form-status a.relogin")
    expect(relogin).to_contain_text("新标签页")
    with page.context.expect_page() as opened:
        relogin.click()
    login = opened.value
    login.fill("input[name=username]", "boss")
    login.fill("input[name=password]", PASSWORD)
    with login.expect_navigation():
        login.click("form[action='/login'] button[type=submit]")
    assert login.url.endswith("/customers/new")

    expect(page.locator("input[name=name]")).to_have_value("过期会话客户")
    with page.expect_navigation(url=re.compile(r"/customers/\d+$")):
        page.click("#customer-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("过期会话客户")


def test_the_console_saves_a_note_after_the_user_logged_in_again(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    """As the CRM's forms do (above): the console's script renews its CSRF token. A note typed on a pop
    while the session ended is saved once the user has logged in again in another tab: the first try is
    refused for the old session's token, the console reads the new one from a fresh copy of its page."""
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    wait_until_line_free(page, site)
    ring(site, "13912340000", answer_after=1, talk_s=1.0)  # answered: no missed call for later tests
    pop = page.locator("#pops .pop").first
    expect(pop).to_be_visible()
    elsewhere = page.context.new_page()
    elsewhere.goto(site.url + "/")
    with elsewhere.expect_navigation():
        elsewhere.click("#logout")
    expect(page.locator("#console")).to_have_attribute("data-connection", "session_ended", timeout=10_000)
    log_in(elsewhere, site.url, "boss", PASSWORD)

    pop.locator("textarea[name=note]").fill("客户要求明天上午回电")
    pop.locator("form.note button[type=submit]").click()
    expect(pop.locator(".note-result")).to_have_text("备注已保存。")
    call = pop.get_attribute("data-call")
    calls = page.request.get(site.url + "/api/v1/calls").json()["items"]
    assert [c["note"] for c in calls if c["id"] == call] == ["客户要求明天上午回电"]


def test_a_request_that_fails_without_an_answer_says_so_in_the_users_words(
    browser: Browser, site: Daemon
) -> None:
    """api.js, for every page: a server that does not answer, or answers an error that is not the API's
    (a proxy's page), is told in the user's language, not as the browser's "Failed to fetch"."""
    page = boss(browser, site, "zh-CN", [])  # the failures asked for show as console errors
    page.goto(site.url + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    status = page.locator("#dial-status")
    page.route("**/api/v1/lines/*/dial", lambda route: route.abort())
    page.fill("#dial-number", "13912340000")
    page.click("#dial-form button[type=submit]")
    expect(status).to_have_text("操作失败： 服务器没有应答：请检查网络连接后重试。")
    page.unroute("**/api/v1/lines/*/dial")
    page.route("**/api/v1/lines/*/dial", lambda route: route.fulfill(status=502, body="<h1>Bad Gateway</h1>"))
    page.click("#dial-form button[type=submit]")
    expect(status).to_have_text("操作失败： 服务器未能完成此操作（错误 502）：请稍后重试。")


def wait_until_line_free(page: Page, site: Daemon) -> None:
    """The desk line holds no call (the line's own word: the call log may not have the call just rung yet)
    and every call in the log has ended."""

    def free() -> bool:
        lines = page.request.get(site.url + "/api/v1/lines").json()["items"]
        if any(line["name"] == "desk" and line["call_id"] for line in lines):
            return False
        return all(c["ended_at"] for c in page.request.get(site.url + "/api/v1/calls").json()["items"])

    wait(free, 20, "the desk line free and every call ended")


def test_the_console_on_a_phone_shows_the_ringing_call_first_and_one_entry_per_missed_number(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    page.set_viewport_size(PHONE)
    page.goto(site.url + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    for number in ("13966667777", "13966667777", "13988889999"):  # nobody answers
        wait_until_line_free(page, site)
        ring(site, number)
    wait_until_line_free(page, site)
    page.reload()
    entries = page.locator("#missed li[data-call]")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("139 8888 9999")  # as written locally
    expect(entries.nth(1)).to_contain_text("2 次")

    ring(site, "13955550000")
    pop = page.locator("#pops .pop").first
    expect(pop).to_be_in_viewport()
    pop_box, missed_box = pop.bounding_box(), page.locator("#missed").bounding_box()
    assert pop_box is not None and missed_box is not None and pop_box["y"] < missed_box["y"]
    fits_the_width(page)


def test_an_import_of_headers_alone_says_there_is_nothing_to_import(
    browser: Browser, site: Daemon, problems: list[str], tmp_path: Path
) -> None:
    headers_only = tmp_path / "客户.csv"
    headers_only.write_text("客户名称,手机,车牌号\n", encoding="utf-8")
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/customers/import")
    page.set_input_files("input[name=file]", str(headers_only))
    page.click("#check-file")
    expect(page.locator("#no-rows")).to_contain_text("没有数据行")
    expect(page.locator("#report-summary")).not_to_contain_text("所有行均可导入")
    expect(page.locator("#run-import")).to_be_disabled()


def test_a_console_whose_session_ended_stops_and_says_so(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    """Logged out in another tab: the open console's socket is closed (pops carry customers' data) and it
    asks for a login, rather than showing "live" with nothing coming, or reconnecting for ever."""
    page = boss(browser, site, "zh-CN", problems)
    page.goto(site.url + "/console")
    console = page.locator("#console")
    expect(console).to_have_attribute("data-connection", "connected")
    elsewhere = page.context.new_page()
    elsewhere.goto(site.url + "/")
    with elsewhere.expect_navigation():
        elsewhere.click("#logout")
    expect(console).to_have_attribute("data-connection", "session_ended", timeout=10_000)
    expect(page.locator("#session-ended a")).to_have_attribute("href", "/login?next=/console")
    expect(page.locator("#connection")).to_have_text("已退出登录")


def test_an_overdue_reminder_stands_out_on_the_start_page(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    new_customer(page, site, "孙丽", "13977778888", plate="粤B54321")
    yesterday = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)
    page.click(".vehicle-edit summary")
    page.fill(".vehicle-form input[name=inspection_due]", yesterday.isoformat())
    with page.expect_navigation():
        page.click(".vehicle-form button[type=submit]")
    page.goto(site.url + "/")
    overdue = page.locator("#reminders li", has_text="粤B54321")
    expect(overdue).to_have_attribute("title", "已逾期")
    assert overdue.evaluate("li => getComputedStyle(li).color") == "rgb(179, 38, 30)"


def test_back_from_a_search_result_finds_the_search_as_it_was(
    browser: Browser, site: Daemon, problems: list[str]
) -> None:
    page = boss(browser, site, "zh-CN", problems)
    new_customer(page, site, "周杰", "13912340001")
    new_customer(page, site, "周洁", "13912340002")
    page.goto(site.url + "/customers")
    page.fill("#search-q", "1391234000")
    results = page.locator("#search-results li")
    expect(results).to_have_count(2)
    with page.expect_navigation():
        results.first.locator("a").click()
    page.go_back()
    expect(page.locator("#search-q")).to_have_value("1391234000")
    expect(results).to_have_count(2)
