"""Translations (Babel/gettext): zh_CN and en.

The ``.po`` files are compiled in memory at start-up, so the repository holds only text and there is no
build step an installer could forget. The locale of a request is the user's setting, else the language
cookie, else the browser's Accept-Language, else the site default.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from ctid.core.config import LOCALES

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


class Catalogs:
    def __init__(self, directory: Path = TRANSLATIONS) -> None:
        self._catalogs: dict[str, gettext.NullTranslations] = {"en": gettext.NullTranslations()}
        for locale in LOCALES:
            po = directory / locale / "LC_MESSAGES" / "messages.po"
            if po.exists():
                self._catalogs[locale] = _compile(po, locale)

    def get(self, locale: str) -> gettext.NullTranslations:
        return self._catalogs.get(locale, self._catalogs["en"])


def _compile(po: Path, locale: str) -> Translations:
    found = po.stat()
    return _compiled(po, locale, found.st_mtime_ns, found.st_size)


@functools.lru_cache(maxsize=8)
def _compiled(po: Path, locale: str, _mtime_ns: int, _size: int) -> Translations:
    """Once per process while the file stays the same (its time and size are the key): the tests build the
    web app hundreds of times, and each build compiled the Chinese catalogue again (~35 ms). The catalogues
    are only read once built, so every app may share them."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(accept_language: str, default: str) -> str:
    """Pick zh_CN or en from an Accept-Language header (zh, zh-CN, zh-Hans... all mean zh_CN here)."""
    for tag in _preferred(accept_language):
        try:
            language = Locale.parse(tag, sep="-").language
        except (ValueError, UnknownLocaleError):
            continue
        if language == "zh":
            return "zh_CN"
        if language == "en":
            return "en"
    return default


def _preferred(header: str) -> list[str]:
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


@dataclass(frozen=True)
class Translator:
    """The gettext functions of one request's language."""

    locale: str
    translations: gettext.NullTranslations

    def gettext(self, message: str, **params: Any) -> str:
        text = self.translations.gettext(message)
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **params}

    def template_globals(self) -> Mapping[str, Callable[..., str] | str]:
        return {"_": self.gettext, "gettext": self.gettext, "ngettext": self.ngettext, "locale": self.locale}
