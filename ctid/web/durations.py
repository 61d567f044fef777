"""How long something has run, in words: "3 天 4 小时", "2 h 5 min".

A clock's "76:04:09" reads as a time of day on the System page; a duration in units does not. Two units
at most, the largest first: "3 d 4 h" says enough of an uptime, and its minutes would only flicker.
Pure: the words come through the ``gettext`` it is given.
"""

from __future__ import annotations

from collections.abc import Callable

from ctid.core.errors import N_

Gettext = Callable[..., str]

MINUTE, HOUR, DAY = 60, 3600, 86400


def duration_words(seconds: float, gettext: Gettext) -> str:
    """``seconds`` as days and hours, hours and minutes, minutes, or seconds (below a minute)."""
    whole = max(0, int(seconds))
    days, rest = divmod(whole, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    if days:
        return gettext(N_("%(days)d d %(hours)d h"), days=days, hours=hours)
    if hours:
        return gettext(N_("%(hours)d h %(minutes)d min"), hours=hours, minutes=minutes)
    if minutes:
        return gettext(N_("%(minutes)d min"), minutes=minutes)
    return gettext(N_("%(seconds)d s"), seconds=secs)
