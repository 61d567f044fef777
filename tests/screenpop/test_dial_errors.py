"""A refused dial in the operator's words: the line's label and what it is doing, in Chinese and English.

Before, the console read "线路 demo 正忙（identified），无法拨号": the config key and the machine's state.
"""

from __future__ import annotations

import pytest

from ctid.core.errors import CtidError, PermissionDenied
from ctid.screenpop.console import relabel
from ctid.voicecard.line import LineBusyError, LineDownError
from ctid.web.i18n import Catalogs, Translator
from tests.voicecard.support import WALL, machine

CATALOGS = Catalogs()


def words(error: CtidError, locale: str) -> str:
    return Translator(locale, CATALOGS.get(locale)).gettext(error.message, **error.params)


def refusal(line_events: str) -> CtidError:
    line = machine()
    if line_events in ("ringing", "identified"):
        line.ring(now=0.0, wall=WALL)
    if line_events == "in call":
        line.dial("13800138000", now=0.0, wall=WALL)
        line.dial_result("CONNECT", now=1.0, wall=WALL)
    if line_events == "dialing":
        line.dial("13800138000", now=0.0, wall=WALL)
    if line_events == "off hook":
        line.offhook(now=0.0, wall=WALL)
    with pytest.raises(CtidError) as refused:
        line.dial("13900139000", now=2.0, wall=WALL)
    return refused.value


@pytest.mark.parametrize(
    ("doing", "chinese", "english"),
    [
        ("ringing", "线路 前台 正在振铃，无法拨号。", "Line 前台 is ringing: cannot dial."),
        ("in call", "线路 前台 正在通话，无法拨号。", "Line 前台 is in a call: cannot dial."),
        (
            "dialing",
            "线路 前台 正在拨打另一个号码，无法拨号。",
            "Line 前台 is dialling another number: cannot dial.",
        ),
        (
            "off hook",
            "线路 前台 正在使用（话机已摘机），无法拨号。",
            "Line 前台 is in use (the handset is off the hook): cannot dial.",
        ),
    ],
)
def test_a_busy_line_says_what_it_is_doing_by_its_label(doing: str, chinese: str, english: str) -> None:
    error = refusal(doing)
    assert isinstance(error, LineBusyError)
    relabel(error, error.params["line"], "前台")
    assert (words(error, "zh_CN"), words(error, "en")) == (chinese, english)
    assert str(error) == english


def test_a_down_line_says_so_without_the_modem_s_words() -> None:
    line = machine()
    line.line_lost("modem gone: /dev/ttyACM0", now=0.0, wall=WALL)
    with pytest.raises(LineDownError) as refused:
        line.dial("13900139000", now=1.0, wall=WALL)
    relabel(refused.value, "line1", "服务台")
    assert words(refused.value, "zh_CN") == "线路 服务台 已断开，无法拨号。"


def test_relabel_touches_only_the_line_named() -> None:
    error = PermissionDenied("Line %(name)s is not one of your lines.", name="back")
    relabel(error, "front", "前台")
    assert error.params == {"name": "back"}
    relabel(error, "back", "售后")
    assert words(error, "zh_CN") == "线路 售后 不是您的线路。"
