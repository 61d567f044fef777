"""The one phone number normaliser: caller-ID matching, CRM search, dialing and DNC all go through it.

Why one: a customer is "the same" only if every path turns their number into the same key. The key is E.164
(``+862088881234``), stored next to what the customer gave. The same Guangzhou landline reaches us as
``020-8888-1234`` (CRM), ``88881234`` (caller ID of a local call), ``+86 20 8888 1234``, ``0086 20 88881234``,
and ``9 020 8888 1234`` when dialed from behind a PBX; all of them normalise to one ``e164``.

Only numbers that ``phonenumbers`` calls valid get an ``e164``: a wrong key would match the wrong customer,
while None only means "no match". Private, unknown and garbage input gives None; nothing here raises for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from ctid.core.text import clean_text

_SEPARATORS = r" ()./,\-\u2010-\u2015"  # "," is also a dial string's pause (after a PBX prefix)
# digits and separators (at least one digit: checked apart, as "[…]*[0-9][…]*" backtracked quadratically)
_DIALABLE_TEXT = re.compile(rf"\+?[0-9{_SEPARATORS}]+")
_EXTENSION = re.compile(r"\s*(?:ext\.?|x|#|转|分机)\s*[0-9]{1,6}\s*$", re.IGNORECASE)
_LOCAL_LENGTHS = (7, 8)  # subscriber numbers without area code (China, North America)
_MAX_DIGITS = 20  # E.164 allows 15; with an international and an outside-line prefix nothing real is longer
_CN_MOBILE_SHAPE = re.compile(r"(?:\+86|0086)?(1[3-9][0-9]{9})", re.ASCII)  # see PhoneNormaliser._fast_key
_PLAIN = re.compile(r"\+?[0-9]+(?:[ -][0-9]+)*", re.ASCII)  # digits with single spaces or dashes
# full-width digits, plus, minus, parentheses and the ideographic space, as their ASCII selves
_CHINA = 86
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－（）\u3000", "0123456789+-() ")


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number as given (``raw``, without control characters) and its E.164 key (None if not valid)."""

    raw: str
    e164: str | None

    @property
    def is_valid(self) -> bool:
        return self.e164 is not None

    def same_as(self, other: PhoneNumber) -> bool:
        """Same subscriber; unknown numbers never are (two "private" calls are not one caller)."""
        return self.e164 is not None and self.e164 == other.e164


class PhoneNormaliser:
    """Normalises numbers for one site: its country, its local area code, its PBX's outside-line prefix.

    ``local_area_code`` (``"020"`` or ``"20"``) completes local numbers: caller ID of a local call and numbers
    written down locally come without it. ``outside_line_prefix`` (``"9"``, ``"0"``) is what the site's PBX
    needs before an outside number: ``normalise`` strips it, ``dial_string`` prepends it.
    """

    def __init__(self, region: str = "CN", local_area_code: str = "", outside_line_prefix: str = "") -> None:
        region = region.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {region!r} (expected an ISO 3166 code such as 'CN')")
        if not local_area_code.isascii() or not (local_area_code.isdigit() or local_area_code == ""):
            raise ValueError(f"local area code must be digits, got {local_area_code!r}")
        if not outside_line_prefix.isascii() or not (
            outside_line_prefix.isdigit() or outside_line_prefix == ""
        ):
            raise ValueError(f"outside-line prefix must be digits, got {outside_line_prefix!r}")
        self.region = region
        self.local_area_code = local_area_code
        self.outside_line_prefix = outside_line_prefix
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        self._national_prefix = (metadata.national_prefix if metadata else None) or ""
        self._country_code = phonenumbers.country_code_for_region(region)
        self._area_nsn = _without_prefix(local_area_code, self._national_prefix)
        self._home = f"+{self._country_code}"
        mobile = metadata.mobile if metadata and region == "CN" else None
        self._mobile = (
            re.compile(mobile.national_number_pattern) if mobile and mobile.national_number_pattern else None
        )

    def normalise(self, raw: str, *, dialed: bool | None = None) -> PhoneNumber:
        """Normalise what a customer, the caller ID or a dial log gave; never raises for bad input.

        ``dialed``: True if ``raw`` is as dialed through the PBX (the outside-line prefix is expected), False
        if it never carries the prefix, None to guess. The guess takes a leading prefix for the PBX's when
        the rest is a valid number of this country, else reads the number as given. Pass False for caller
        ID that the PBX does not prefix if the prefix is ``0``: with it, ``0016502530000`` (a US caller) is
        also ``0`` + ``016502530000`` (a Chinese mobile), and the guess prefers the latter.
        """
        given = clean_text(raw)
        if not given.isascii():  # a Chinese IME types full-width: kept as typed, it shows and sorts apart
            given = given.translate(_FULL_WIDTH)
        dialable = _plain(given) if _PLAIN.fullmatch(given) else _dialable(given)
        return PhoneNumber(given, None if dialable is None else self._key(dialable, dialed))

    def shown(self, raw: str | None, e164: str | None = None) -> str:
        """A number for a page: written locally (``written_locally``) when it has a key, else as given."""
        key = e164 or (self.normalise(raw).e164 if raw else None)
        return written_locally(key, self.region) if key else (raw or "")

    def dial_string(self, number: PhoneNumber) -> str:
        """The digits to dial from this site: outside-line prefix, then the national number.

        Local landlines are dialed without the area code (the exchange expects that, and it is shorter);
        other countries get the site country's international prefix (``00`` from China).
        Raises ValueError for a number without an E.164 key: there is nothing safe to dial.
        """
        if number.e164 is None:
            raise ValueError(f"cannot dial {number.raw!r}: not a valid phone number")
        parsed = phonenumbers.parse(number.e164)
        return self.outside_line_prefix + self._site_digits(parsed)

    def _key(self, dialable: str, dialed: bool | None) -> str | None:
        """The E.164 key: with or without the outside-line prefix, as ``dialed`` says or as guessed."""
        prefix = self.outside_line_prefix
        prefixed = bool(prefix) and dialable.startswith(prefix) and len(dialable) > len(prefix)
        without_prefix = self._read(dialable[len(prefix) :]) if prefixed and dialed is not False else None
        if without_prefix is not None and (dialed or without_prefix.startswith(self._home)):
            return without_prefix
        return self._read(dialable) or without_prefix

    def _read(self, digits: str) -> str | None:
        """E.164 of ``digits`` if valid; a subscriber number (7-8 digits) only counts in the local area.

        Why not ask ``phonenumbers`` about bare 7-8 digit numbers: its Chinese metadata takes many of them
        for a national number of some other city (``87695438`` as 0876-95438), never what a local call means.
        """
        fast = self._fast_key(digits)
        if fast is not None:
            return fast
        if self.local_area_code and self._is_subscriber_number(digits):
            digits = self.local_area_code + digits
        try:
            parsed = phonenumbers.parse(digits, self.region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(parsed):
            return None
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    def _fast_key(self, digits: str) -> str | None:
        """The key of a Chinese mobile (``13800138000``, ``+8613800138000``, ``0086...``) without parsing.

        Why: parsing costs ~35 µs a number, an import of 100,000 rows seconds. Exactly the slow path's
        answer: a national number that the region's own mobile pattern (from ``phonenumbers``' metadata)
        takes is valid, and its key is ``+86`` and it; none of those starts with a carrier or international
        prefix that parsing would strip (11xx, 12xx, 179xx). Anything else (None) goes the slow way.
        """
        if self._mobile is None or not (shape := _CN_MOBILE_SHAPE.fullmatch(digits)):
            return None
        national = shape.group(1)
        return self._home + national if self._mobile.fullmatch(national) else None

    def _is_subscriber_number(self, digits: str) -> bool:
        """7-8 digits, neither international (``+``) nor national (trunk prefix ``0`` in China)."""
        trunk = self._national_prefix
        national_or_international = digits.startswith("+") or (bool(trunk) and digits.startswith(trunk))
        return _LOCAL_LENGTHS[0] <= len(digits) <= _LOCAL_LENGTHS[1] and not national_or_international

    def _site_digits(self, parsed: phonenumbers.PhoneNumber) -> str:
        if parsed.country_code != self._country_code:
            return _digits(phonenumbers.format_out_of_country_calling_number(parsed, self.region))
        national = phonenumbers.national_significant_number(parsed)
        area_length = phonenumbers.length_of_geographical_area_code(parsed)
        if self._area_nsn and area_length == len(self._area_nsn) and national.startswith(self._area_nsn):
            return national[area_length:]
        return _digits(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


def written_locally(e164: str, region: str = "CN") -> str:
    """A number as people of ``region`` write it: ``020-3888-6666``, ``138 0013 8000``, ``400-810-8888``;
    a number of another country as dialled from abroad (``+1 650-253-0000``). Anything ``phonenumbers``
    does not call valid is returned as given. Pure (no I/O), for the pages and the tests alike.

    Why not E.164 on the pages: nobody reads ``+862038886666`` at a glance, and a number on a desk note is
    written the local way. Chinese landlines and service numbers take dashes, mobiles spaces (3-4-4), as
    they are printed on cards and in the dealership's own systems.
    """
    try:
        parsed = phonenumbers.parse(e164, region.upper())
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_valid_number(parsed):
        return e164
    if parsed.country_code != phonenumbers.country_code_for_region(region.upper()):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    mobile = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    return national if mobile or parsed.country_code != _CHINA else national.replace(" ", "-")


def _dialable(text: str) -> str | None:
    """``+`` and digits of a number written with the usual separators; None for anything else.

    Full-width digits (common in Chinese input) are folded by NFKC; a trailing extension is dropped (the
    caller ID of that customer shows the main number). Letters are refused: ``phonenumbers`` would read
    them as a vanity number, which here is always garbage.
    """
    text = _EXTENSION.sub("", unicodedata.normalize("NFKC", text)).strip()
    if not _DIALABLE_TEXT.fullmatch(text):
        return None
    digits = _digits(text)
    if not digits or len(digits) > _MAX_DIGITS:
        return None
    return "+" + digits if text.startswith("+") else digits


def _plain(text: str) -> str | None:
    """``_dialable`` of ASCII digits with single spaces or dashes (most numbers): nothing to fold or strip."""
    digits = text.replace(" ", "").replace("-", "")
    return digits if len(digits.removeprefix("+")) <= _MAX_DIGITS else None


def _digits(text: str) -> str:
    return "".join(char for char in text if "0" <= char <= "9")


def _without_prefix(digits: str, prefix: str) -> str:
    return digits[len(prefix) :] if prefix and digits.startswith(prefix) else digits
