"""The fields an import can fill, with the column headers they are known by, in Chinese and in English.

One list serves both directions: ``mapping`` reads headers through the aliases, ``export`` writes the first
alias of a language, so an exported file imports again unchanged. Lengths follow the database columns
(``ctid.crm.tables`` and migration 0006, which adds address, industry, tags, transmission, engine number,
insurer and warranty); where a column is unbounded text, the limit is the one the web forms apply.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from ctid.core.errors import N_


class Entity(StrEnum):
    CUSTOMER = "customer"
    VEHICLE = "vehicle"


class Kind(StrEnum):
    """How a cell's text becomes a value (see ``ctid.crm.imports.values``)."""

    TEXT = "text"
    LONG_TEXT = "long_text"  # keeps its line breaks (notes)
    LIST = "list"  # tags: several values in one cell
    DATE = "date"
    MILEAGE = "mileage"
    PHONES = "phones"
    PLATE = "plate"
    VIN = "vin"
    CHOICE = "choice"
    FLAG = "flag"  # yes or no: 是 / 否, 农历 / 公历 (the lunar birthday)
    EMAIL = "email"  # an e-mail address (ctid.crm.email_address)


@dataclass(frozen=True)
class Field:
    """An importable field. ``zh`` and ``en`` are its headers; the first of each is what export writes."""

    name: str
    entity: Entity
    kind: Kind
    zh: tuple[str, ...]
    en: tuple[str, ...]
    max_length: int = 0  # of the cleaned text (of each item for a list); 0 for values that are not text


FIELDS: tuple[Field, ...] = (
    Field("name", Entity.CUSTOMER, Kind.TEXT,
          ("名称", "客户名称", "姓名", "客户姓名", "客户名", "单位名称", "车主名称", "车主姓名", "车主"),
          ("Name", "customer name", "customer", "full name"), 100),
    Field("kind", Entity.CUSTOMER, Kind.CHOICE, ("类型", "客户类型", "客户性质"),
          ("Kind", "customer type", "type")),
    Field("gender", Entity.CUSTOMER, Kind.CHOICE, ("性别",), ("Gender", "sex")),
    Field("phone", Entity.CUSTOMER, Kind.PHONES,
          ("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "联系方式", "移动电话", "固话",
           "座机"),
          ("Phone", "mobile", "phone number", "mobile phone", "telephone", "tel", "phones")),
    Field("address", Entity.CUSTOMER, Kind.TEXT, ("地址", "联系地址", "住址", "家庭住址", "单位地址"),
          ("Address",), 300),
    Field("email", Entity.CUSTOMER, Kind.EMAIL, ("邮箱", "电子邮箱", "电子邮件", "邮箱地址", "邮件地址"),
          ("E-mail", "e-mail address", "mail"), 254),
    Field("birthday", Entity.CUSTOMER, Kind.DATE, ("生日", "出生日期"),
          ("Birthday", "date of birth", "birth date", "dob")),
    Field("birthday_lunar", Entity.CUSTOMER, Kind.FLAG,
          ("农历生日", "是否农历", "农历", "阴历生日", "生日类型"), ("Lunar birthday", "lunar")),
    Field("level", Entity.CUSTOMER, Kind.TEXT, ("等级", "客户级别", "级别", "客户等级"),
          ("Level", "customer level", "grade"), 16),
    Field("source", Entity.CUSTOMER, Kind.TEXT, ("来源", "客户来源"), ("Source", "customer source"), 32),
    Field("industry", Entity.CUSTOMER, Kind.TEXT, ("行业", "所属行业"), ("Industry",), 32),
    Field("tags", Entity.CUSTOMER, Kind.LIST, ("标签", "客户标签"), ("Tags", "tag", "labels"), 16),
    Field("notes", Entity.CUSTOMER, Kind.LONG_TEXT, ("备注", "说明"),
          ("Notes", "note", "remarks", "remark", "comments"), 2000),
    Field("licence_review_on", Entity.CUSTOMER, Kind.DATE,
          ("驾驶证审验", "驾驶证审验日期", "驾照审验日期", "驾照审验"),
          ("Licence review", "licence review date", "license review date", "license review")),
    Field("plate", Entity.VEHICLE, Kind.PLATE, ("车牌", "车牌号", "车牌号码"),
          ("Plate", "licence plate", "license plate", "plate number", "plate no"), 16),
    Field("vin", Entity.VEHICLE, Kind.VIN, ("车架号", "VIN", "底盘号", "车辆识别代号", "VIN码", "车架号码"),
          ("VIN", "chassis number", "frame number"), 17),
    Field("brand", Entity.VEHICLE, Kind.TEXT, ("品牌", "车辆品牌", "厂牌"), ("Brand", "make"), 32),
    Field("model", Entity.VEHICLE, Kind.TEXT, ("车型", "车辆型号", "型号"), ("Model", "vehicle model"), 64),
    Field("transmission", Entity.VEHICLE, Kind.CHOICE, ("变速箱", "变速器", "变速箱类型"),
          ("Transmission", "gearbox")),
    Field("engine_number", Entity.VEHICLE, Kind.TEXT, ("发动机号", "发动机号码", "发动机编号"),
          ("Engine number", "engine no"), 32),
    Field("colour", Entity.VEHICLE, Kind.TEXT, ("颜色", "车身颜色"), ("Colour", "color"), 16),
    Field("purchase_date", Entity.VEHICLE, Kind.DATE, ("购车日期", "购买日期", "购车时间"),
          ("Purchase date", "purchased on", "bought on")),
    Field("registration_date", Entity.VEHICLE, Kind.DATE, ("上牌日期", "登记日期", "初登日期", "注册日期"),
          ("Registration date", "registered on", "first registration")),
    Field("mileage_km", Entity.VEHICLE, Kind.MILEAGE,
          ("里程（公里）", "里程", "行驶里程", "公里数", "里程数", "表显里程"),
          ("Mileage (km)", "mileage", "mileage km", "odometer", "km")),
    Field("insurer", Entity.VEHICLE, Kind.TEXT, ("保险公司", "承保公司"), ("Insurer", "insurance company"),
          64),
    Field("insurance_expiry", Entity.VEHICLE, Kind.DATE,
          ("保险到期", "保险到期日", "保险到期日期", "保险到期时间", "商业险到期"),
          ("Insurance expires", "insurance expiry", "insurance due")),
    Field("inspection_due", Entity.VEHICLE, Kind.DATE, ("年检到期", "年审日期", "年检日期", "年审到期"),
          ("Inspection due", "annual inspection", "inspection date")),
    Field("warranty_expiry", Entity.VEHICLE, Kind.DATE, ("质保到期日", "质保到期", "保修到期"),
          ("Warranty expiry", "warranty expires", "warranty due")),
    Field("role", Entity.VEHICLE, Kind.CHOICE, ("角色", "关系", "车主关系", "与车关系", "车辆关系"),
          ("Role", "relation", "relationship")),
)  # fmt: skip

BY_NAME = {field.name: field for field in FIELDS}
# what the import page calls each field (translated by the view)
LABELS = {
    "name": N_("Name"),
    "kind": N_("Kind"),
    "gender": N_("Gender"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "email": N_("E-mail"),
    "birthday": N_("Birthday"),
    "birthday_lunar": N_("Lunar birthday"),
    "level": N_("Level"),
    "source": N_("Source"),
    "industry": N_("Industry"),
    "tags": N_("Tags"),
    "notes": N_("Notes"),
    "licence_review_on": N_("Licence review"),
    "plate": N_("Plate"),
    "vin": N_("VIN"),
    "brand": N_("Brand"),
    "model": N_("Model"),
    "transmission": N_("Transmission"),
    "engine_number": N_("Engine number"),
    "colour": N_("Colour"),
    "purchase_date": N_("Purchase date"),
    "registration_date": N_("Registration date"),
    "mileage_km": N_("Mileage (km)"),
    "insurer": N_("Insurer"),
    "insurance_expiry": N_("Insurance expires"),
    "inspection_due": N_("Inspection due"),
    "warranty_expiry": N_("Warranty expiry"),
    "role": N_("Role"),
}
assert LABELS.keys() == BY_NAME.keys(), "every importable field has a label"
MULTI_COLUMN = frozenset({"phone"})  # fields that may come in several columns (电话, 电话2, 手机 ...)
MAX_TAGS = 20

_CLOSING = {"(": ")", "[": "]", "【": "】"}  # units and hints: 里程(公里), 电话【必填】
_NOT_WORD = re.compile(r"[\s_\-*:.#/]+")


def header_key(header: str) -> str:
    """What a header is compared by: case, width, spaces, underscores, ``*`` marks and units do not count."""
    text = unicodedata.normalize("NFKC", header).casefold()
    return _NOT_WORD.sub("", "\n".join(_unbracketed(line) for line in text.split("\n")))


def _unbracketed(line: str) -> str:
    """``line`` without each bracket and the text up to its first closing bracket, left to right (what
    ``re.sub(r"\\(.*?\\)|\\[.*?\\]|【.*?】", "", line)`` gives), in one pass.

    Why not that regex: an opening bracket with no closing one after it made it scan to the end of the
    line from every opening bracket, and a header of 20,000 "(" took seconds."""
    found: dict[str, int] = {}  # per bracket: where it was last found from a position at or before this one

    def find(bracket: str, start: int) -> int:
        at = found.get(bracket)
        if at is None or 0 <= at < start:  # -1 stays -1: none after an earlier start, none after this
            at = found[bracket] = line.find(bracket, start)
        return at

    kept: list[str] = []
    openers = dict(_CLOSING)  # those that may still open a pair: one without its closing bracket after it
    start = position = 0  # can open none further on (so "((((" is one step, not one per bracket)
    while openings := [(at, o) for o in openers if (at := find(o, position)) >= 0]:
        position, opener = min(openings)
        end = find(openers[opener], position + 1)
        if end < 0:
            del openers[opener]
            continue
        kept.append(line[start:position])
        start = position = end + 1
    kept.append(line[start:])
    return "".join(kept)


def _aliases() -> dict[str, str]:
    found: dict[str, str] = {}
    for field in FIELDS:
        for alias in (field.name, *field.zh, *field.en):
            key = header_key(alias)
            if found.setdefault(key, field.name) != field.name:
                raise AssertionError(f"header {alias!r} names two fields")
    return found


ALIASES = _aliases()  # header key -> field name
