"""The vocabulary of made-up but realistic Chinese dealership data, shared by the demo and the bulk generator.

Names from the most common surnames and given-name characters, mobiles from prefixes that are really in use
(and valid for ``phonenumbers``), Guangzhou landlines, plates in the blue 5-character and green 6-character
new-energy formats, VINs with a correct check digit (position 9, GB 16735 / ISO 3779), and the cars and
service items of a Guangzhou dealership. Nothing here touches a database.
"""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任"
    "姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔"
)
MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林志建国文峰晨阳东海嘉乐子轩俊杰"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀玲桂英慧婷雪琳欣颖倩洁燕莉萍红梅晶璐佳怡思雨梓涵诗晴雅琪"

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "198", "199",
)  # fmt: skip
GUANGZHOU_AREA = "020"
GUANGZHOU_FIRST_DIGITS = "2368"  # Guangzhou's 8-digit subscriber numbers start like these

COMPANY_PLACES = (
    "恒通",
    "顺达",
    "华南",
    "粤海",
    "宏远",
    "天河",
    "白云",
    "珠江",
    "新锐",
    "骏安",
    "越秀",
    "番禺",
)
COMPANY_TRADES = ("物流", "贸易", "建材", "科技", "餐饮管理", "汽车租赁", "电子", "装饰工程", "食品", "货运")

PROVINCE = "粤"
PLATE_OFFICES = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # Guangdong's issuing offices (A is Guangzhou); never I or O
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
NEW_ENERGY_LETTERS = "DF"  # D: battery electric, F: plug-in hybrid

# (brand, model, is new energy, VIN world manufacturer identifier)
CARS = (
    ("大众", "朗逸", False, "LSV"),
    ("大众", "速腾", False, "LFV"),
    ("大众", "帕萨特", False, "LSV"),
    ("大众", "迈腾", False, "LFV"),
    ("丰田", "凯美瑞", False, "LVG"),
    ("丰田", "卡罗拉", False, "LFM"),
    ("丰田", "雷凌", False, "LVG"),
    ("本田", "雅阁", False, "LHG"),
    ("本田", "思域", False, "LVH"),
    ("本田", "CR-V", False, "LVH"),
    ("比亚迪", "汉", True, "LGX"),
    ("比亚迪", "秦PLUS", True, "LGX"),
    ("比亚迪", "宋PLUS", True, "LGX"),
    ("比亚迪", "海豚", True, "LGX"),
    ("别克", "英朗", False, "LSG"),
    ("别克", "君威", False, "LSG"),
    ("别克", "GL8", False, "LSG"),
    ("日产", "轩逸", False, "LGB"),
    ("日产", "天籁", False, "LGB"),
    ("广汽传祺", "GS4", False, "LMG"),
    ("广汽埃安", "AION S", True, "LMG"),
    ("五菱", "宏光MINIEV", True, "LZW"),
)
COLOURS = ("白色", "黑色", "银色", "灰色", "红色", "蓝色", "香槟色")

# (item, price in yuan)
SERVICE_ITEMS = (
    ("常规保养", "480.00"),
    ("更换机油机滤", "360.00"),
    ("四轮定位", "168.00"),
    ("洗车", "30.00"),
    ("钣金喷漆", "1200.00"),
    ("更换刹车片", "680.00"),
    ("更换轮胎", "850.00"),
    ("空调清洗", "198.00"),
    ("更换雨刮", "120.00"),
    ("更换蓄电池", "580.00"),
    ("更换空气滤芯", "90.00"),
    ("更换火花塞", "320.00"),
    ("年检代办", "300.00"),
)
ADVISORS = ("李明", "陈静", "王磊", "黄婷", "张建国", "刘晓燕", "周杰", "吴芳")

FOLLOW_UP_CATEGORIES = ("保养回访", "维修回访", "续保提醒", "生日关怀", "年检提醒")
COMPLAINT_CATEGORIES = ("维修质量", "服务态度", "等待时间长", "收费异议", "配件问题")
CHANNELS = ("电话", "微信", "短信", "到店")
LEVELS = ("", "", "普通", "普通", "银卡", "金卡", "VIP")
SOURCES = ("来电", "到店", "转介绍", "网络", "车展")
PHONE_LABELS = {"mobile": "手机", "home": "家庭", "office": "公司", "switchboard": "总机"}

_VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # never I, O or Q
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_YEARS = "FGHJKLMNPR"  # model years 2015-2024


def person_name(rng: random.Random, female: bool) -> str:
    given = FEMALE_GIVEN if female else MALE_GIVEN
    length = 1 if rng.random() < 0.35 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(length))


def company_name(rng: random.Random) -> str:
    return f"广州{rng.choice(COMPANY_PLACES)}{rng.choice(COMPANY_TRADES)}有限公司"


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def guangzhou_landline(rng: random.Random) -> str:
    """As people write them: ``020-8888-1234``."""
    digits = rng.choice(GUANGZHOU_FIRST_DIGITS) + f"{rng.randrange(10**7):07d}"
    return f"{GUANGZHOU_AREA}-{digits[:4]}-{digits[4:]}"


def plate(rng: random.Random, new_energy: bool, office: str = "A") -> str:
    """``粤A12345`` / ``粤AB1234`` (blue) or ``粤AD12345`` (green, new energy)."""
    if new_energy:
        return f"{PROVINCE}{office}{rng.choice(NEW_ENERGY_LETTERS)}{rng.randrange(10**5):05d}"
    if rng.random() < 0.5:
        return f"{PROVINCE}{office}{rng.randrange(10**5):05d}"
    return f"{PROVINCE}{office}{rng.choice(PLATE_LETTERS)}{rng.randrange(10**4):04d}"


def vin(wmi: str, descriptor: str, year: str, plant: str, serial: str) -> str:
    """A VIN with its check digit: WMI (3), descriptor (5), check, year, plant, serial (6)."""
    body = wmi + descriptor + "0" + year + plant + serial
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(body, _VIN_WEIGHTS, strict=True))
    check = "X" if total % 11 == 10 else str(total % 11)
    return body[:8] + check + body[9:]


def random_vin(rng: random.Random, wmi: str) -> str:
    descriptor = "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    serial = f"{rng.randrange(10**6):06d}"
    return vin(wmi, descriptor, rng.choice(VIN_YEARS), rng.choice(_VIN_CHARS), serial)


def vin_is_valid(value: str) -> bool:
    """Check digit and alphabet (for tests and, later, for the vehicle form)."""
    if len(value) != 17 or any(char not in _VIN_CHARS for char in value):
        return False
    return vin(value[:3], value[3:8], value[9], value[10], value[11:]) == value
