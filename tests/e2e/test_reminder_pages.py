"""Letters and the phone-sized worklist in a real browser against the real daemon (issue 17, "Letters" and
"Working the queue"): what a person sees.

The shop sends insurance reminders by letter. At a phone's 390 px, the worklist and the appointments' day
view of three advisors fit the screen (nothing wider than the page but the day's table, which scrolls in its
own box) and every action is on the screen or reached by scrolling that box. At the desk, /reminders/letters
shows one letter a contact (张伟's two cars in one letter) headed with the shop's name, address and phone;
printed (print media), it is one A4 page a letter with nothing of the app around it; the CSV has the
columns and a row a reminder; marked as posted, the letters close their items. Selectors are ids, classes,
names and values; the words checked are the zh_CN ones.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.support import api, log_in, new_page
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid

pytestmark = pytest.mark.browser

PASSWORD = "letters-desk-2026"
SHOTS = Path("/tmp/ctid-reminder-shots")
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the site's day (the default zone)
TOMORROW = TODAY + timedelta(days=1)
PHONE = 390
ADDRESS, SHOP_PHONE = "广州市天河区天河路1号", "020-3888-6666"


@pytest.fixture
def daemon_config() -> str:
    return f'[site]\nname = "Test Motors"\naddress = "{ADDRESS}"\nphone = "{SHOP_PHONE}"\n'


def set_up(daemon: Daemon) -> tuple[str, dict[str, int]]:
    """The admin root (who logs in), three advisors; 张伟 (two cars) and 李娜 (one) whose insurance runs out
    in 45 days (the first contact day: today), 王强 whose birthday is today (a call); the queue built; one
    appointment tomorrow with each advisor."""
    ctid(daemon, "user", "add", "root", "--role", "admin", stdin=PASSWORD + "\n")
    token = ctid(daemon, "token", "create", "root").strip().splitlines()[-1]
    api(
        daemon, token, "PUT", "/api/v1/reminders/settings/insurance", {"channel": "letter"}
    )  # the shop's choice
    branch = api(daemon, token, "GET", "/api/v1/users?q=root")["items"][0]["branch_id"]
    advisors = []
    for user, name in (("fang", "王芳"), ("ming", "李明"), ("qiang", "张强")):
        body = {"username": user, "role": "advisor", "branch_id": branch, "display_name": name}
        made = api(daemon, token, "POST", "/api/v1/users", body)
        advisors.append(int(made.get("user", made)["id"]))
    expiry = (TODAY + timedelta(days=45)).isoformat()
    people: dict[str, int] = {}
    for name, phone, address, plates in (
        ("张伟", "13800138000", "广州市越秀区中山五路8号", ["粤A12345", "粤A67890"]),
        ("李娜", "13900139000", "佛山市禅城区季华路3号", ["粤E11111"]),
    ):
        customer = {"name": name, "phones": [phone], "address": address}
        people[name] = api(daemon, token, "POST", "/api/v1/customers", customer)["id"]
        for plate in plates:
            car = {
                "plate": plate,
                "insurance_expiry": expiry,
                "customers": [{"customer_id": people[name], "role": "owner"}],
            }
            api(daemon, token, "POST", "/api/v1/vehicles", car)
    birthday = TODAY.replace(year=1985) if (TODAY.month, TODAY.day) != (2, 29) else TODAY.replace(year=1984)
    wang = {"name": "王强", "phones": ["13700137000"], "birthday": birthday.isoformat()}
    people["王强"] = api(daemon, token, "POST", "/api/v1/customers", wang)["id"]
    api(daemon, token, "POST", "/api/v1/reminders/run", {})
    for advisor, name in zip(advisors, ("张伟", "李娜", "王强"), strict=True):
        booking = {
            "customer_id": people[name],
            "day": TOMORROW.isoformat(),
            "slot": "09:00",
            "service": "首保",
            "advisor_id": advisor,
        }
        api(daemon, token, "POST", "/api/v1/appointments", booking)
    return token, people


def page_width(page: Page) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


VISIBLE = """el => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.left < -0.5 || r.right > innerWidth + 0.5) return false;
  for (let n = el.parentElement; n; n = n.parentElement) {
    if (getComputedStyle(n).overflowX === "visible") continue;
    const box = n.getBoundingClientRect();
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) return false;  // clipped by a scroll box
  }
  return true;
}"""


def on_screen(target: Locator) -> None:
    """Wholly on the phone's screen once scrolled to (by the page, or by the box that scrolls it sideways),
    not clipped by any box around it."""
    target.scroll_into_view_if_needed()
    assert target.evaluate(VISIBLE), f"{target} is off the screen or clipped"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_letters_print_one_a_page_and_the_worklist_fits_a_phone(daemon: Daemon, chromium: Browser) -> None:
    SHOTS.mkdir(exist_ok=True)
    token, people = set_up(daemon)
    base, problems = daemon.url, []
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, base, "root", PASSWORD)

    # --- at a phone's width: the worklist ---------------------------------------------------------------
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto(base + "/reminders?who=all")
    contacts = page.locator("article.contact")
    expect(contacts).to_have_count(3)
    assert page_width(page) <= PHONE, "the worklist is wider than the phone"
    shot(page, "worklist-390")
    letters_link = page.locator("#letters-link").bounding_box()
    assert letters_link is not None and letters_link["height"] < 30, "the heading squeezes its link"
    wang = page.locator(f"article.contact[data-customer='{people['王强']}']")
    for target in (
        page.locator("#worklist-filter button[type=submit]"),
        page.locator("#letters-link"),
        wang.locator("[data-dial]").first,
        wang.locator("button.show-card"),
        wang.locator("select[name=outcome]"),
        wang.locator("input[name=note]"),
        wang.locator("input[name=snoozed_until]"),
        wang.locator("button[type=submit]"),
        wang.locator("button.book"),
        wang.locator("button.send-sms"),
    ):
        on_screen(target)
    wang.locator("button.book").click()  # the booking form opens in the item: it fits too
    booking = wang.locator("form.booking-form")
    expect(booking.locator("select[name=slot] option").first).to_be_attached()
    assert page_width(page) <= PHONE, "the booking form is wider than the phone"
    on_screen(booking.locator("button[type=submit]"))
    wang.locator("button.show-card").click()
    expect(page.locator("#customer-card")).to_contain_text("王强")
    assert page_width(page) <= PHONE, "the customer's card is wider than the phone"
    shot(page, "worklist-booking-390")

    # --- at a phone's width: the day view of three advisors ----------------------------------------------
    page.goto(f"{base}/appointments?day={TOMORROW.isoformat()}")
    chips = page.locator("table.appointments-day .appointment")
    expect(chips).to_have_count(3)
    assert page_width(page) <= PHONE, "the day view is wider than the phone"
    shot(page, "day-390")
    for target in (page.locator(".day-nav a[rel=next]"), page.locator(".day-nav button[type=submit]")):
        on_screen(target)
    last = chips.last  # the third advisor's column, past the screen's edge when the table is wider
    arrived = last.locator("button[data-move=arrived]")
    on_screen(arrived)
    scrolled = (
        "el => { for (let n = el; n; n = n.parentElement) if (n.scrollLeft > 0) return true; return false; }"
    )
    assert last.evaluate(scrolled), "reached by scrolling the table's own box sideways"
    slot = page.locator("tr[data-slot='09:00'] th.slot")
    # the slot's time stays in view beside it, at the box's left edge
    left = "th => th.getBoundingClientRect().left - th.closest('.table-scroll').getBoundingClientRect().left"
    assert slot.evaluate(left) < 2, "the slot column scrolled away with the advisors'"
    page.screenshot(path=str(SHOTS / "day-390-scrolled.png"))
    with page.expect_navigation():
        arrived.click()
    expect(page.locator("table.appointments-day .appointment[data-status=arrived]")).to_have_count(1)

    # --- at the desk: the letters, one a contact, with the shop's heading ----------------------------------
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base + "/reminders")
    with page.expect_navigation():
        page.locator("#letters-link").click()
    letters = page.locator("article.letter")
    expect(letters).to_have_count(2)  # 张伟's two cars: one letter
    zhang = page.locator(f"article.letter[data-customer='{people['张伟']}']")
    expect(zhang.locator(".letter-line")).to_have_count(2)
    due = TODAY + timedelta(days=45)
    expect(zhang.locator(".letter-line", has_text="粤A12345")).to_have_text(
        f"您的爱车粤A12345的保险将于{due.year}年{due.month}月{due.day}日到期，"
        "请及时续保，如需办理请联系Test Motors。"
    )  # the insurance preset on paper: greeted once above it (尊敬的张伟：), no 回复TD退订
    expect(zhang.locator(".letter-to")).to_contain_text("广州市越秀区中山五路8号")
    for plate in ("粤A12345", "粤A67890"):
        expect(zhang).to_contain_text(plate)
    for letter in letters.all():
        head = letter.locator(".letter-head")
        expect(head).to_contain_text("Test Motors")
        expect(head).to_contain_text(ADDRESS)
        expect(head).to_contain_text(SHOP_PHONE)
    shot(page, "letters")

    # printed: one A4 page a letter, nothing of the app
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#letters-actions")).to_be_hidden()
    breaks = letters.evaluate_all("all => all.map(a => getComputedStyle(a).breakAfter)")
    assert breaks == ["page", "auto"], breaks
    pdf = page.pdf(format="A4", print_background=False, prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 2, "one page a letter"
    page.emulate_media(media="screen")

    # the CSV for a mail merge
    with page.expect_download() as download:
        page.locator(f"a[href='/reminders/letters.csv?date={TODAY.isoformat()}']").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows[0] == ["客户", "地址", "车牌", "提醒", "到期", "内容"]
    assert sorted((row[0], row[2]) for row in rows[1:]) == [
        ("张伟", "粤A12345"),
        ("张伟", "粤A67890"),
        ("李娜", "粤E11111"),
    ]
    assert all(
        row[3] == "保险续保" and row[4] == (TODAY + timedelta(days=45)).isoformat() for row in rows[1:]
    )
    # the insurance preset's words, without what only an SMS says (the letter greets once; no 回复TD退订)
    assert all(row[5].startswith("您的爱车粤") and "退订" not in row[5] for row in rows[1:]), rows

    # posted: the items close, the worklist keeps only the call
    page.locator("#letters-sent").click()
    expect(page.locator("#letters-status")).to_contain_text("3")
    expect(page.locator("article.letter.posted")).to_have_count(2)
    page.reload()
    expect(letters).to_have_count(0)
    items = api(daemon, token, "GET", f"/api/v1/reminders?customer={people['张伟']}")["items"]
    assert {(item["status"], item["outcome"]) for item in items} == {("done", "sent")}
    page.goto(base + "/reminders?who=all")
    expect(page.locator("article.contact")).to_have_count(1)
    assert problems == []
