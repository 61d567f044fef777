"""Every message the UI can show has a Chinese translation with the same placeholders."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ctid.web.i18n import Catalogs, Translator
from tools import messages

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CODE = re.compile(r"[a-z]+(_[a-z]+)+")  # a stored value shown through _(): follow_up


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_message_is_translated_to_chinese() -> None:
    extracted = messages.extract()
    chinese = messages.read("zh_CN")
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = chinese.get(message.id)
        if translated is None or not all(_strings(translated.string)):
            missing.append(message.id)
    assert not missing, f"run `python -m tools.messages` and translate: {missing}"


def test_translations_keep_their_placeholders() -> None:
    for message in messages.read("zh_CN"):
        if not message.id:
            continue
        expected = set(PLACEHOLDER.findall(" ".join(_strings(message.id))))
        for text in _strings(message.string):
            assert set(PLACEHOLDER.findall(text)) == expected, message.id


def test_catalogs_compile_and_translate() -> None:
    catalogs = Catalogs()
    zh = Translator("zh_CN", catalogs.get("zh_CN"))
    en = Translator("en", catalogs.get("en"))
    assert zh.gettext("Log in") == "登录"
    assert en.gettext("Log in") == "Log in"
    assert zh.gettext("Welcome, %(name)s", name="王") == "欢迎，王"
    assert zh.ngettext("%(num)d entry", "%(num)d entries", 3) == "共 3 条"
    assert en.ngettext("%(num)d entry", "%(num)d entries", 1) == "1 entry"


def test_stored_codes_read_as_words_in_english_too() -> None:
    """A page shows ``_(status.value)``: without an English word, an English user reads 'in_progress'."""
    codes = [m.id for m in messages.read("zh_CN") if isinstance(m.id, str) and CODE.fullmatch(m.id)]
    assert "follow_up" in codes
    en = Translator("en", Catalogs().get("en"))
    assert [c for c in codes if en.gettext(c) == c] == []
    assert en.gettext("in_progress") == "in progress" and en.gettext("Log in") == "Log in"


def test_a_catalogue_is_compiled_once_while_its_file_stays_the_same(tmp_path: Path) -> None:
    """The tests build the web app hundreds of times: each build compiled the Chinese catalogue (~35 ms)."""
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Log in"\nmsgstr "登录"\n', encoding="utf-8")
    first = Catalogs(tmp_path).get("zh_CN")
    assert Catalogs(tmp_path).get("zh_CN") is first
    po.write_text('msgid "Log in"\nmsgstr "登入"\n', encoding="utf-8")
    os.utime(po, ns=(po.stat().st_atime_ns, po.stat().st_mtime_ns + 1_000_000))
    changed = Catalogs(tmp_path).get("zh_CN")
    assert changed is not first and changed.gettext("Log in") == "登入"
