"""A realistic, deterministic directory for Baoding: enterprises, inspectors, experts, items.

Deterministic (a fixed seed), so running the demo again finds every row unchanged.
"""

from __future__ import annotations

import random
from typing import Any

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.credit_code import CHARSET, complete_credit_code
from spotcheck.regions import CityRegions
from spotcheck.roles import DutyStatus, Role

# (industry, the tags its enterprises usually carry)
INDUSTRIES: list[tuple[str, tuple[str, ...]]] = [
    ("化学原料和化学制品制造业", ("涉VOCs", "危废")),
    ("金属表面处理及热处理加工", ("涉重金属", "危废")),
    ("汽车制造业", ("涉VOCs",)),
    ("造纸和纸制品业", ("涉水",)),
    ("橡胶和塑料制品业", ("涉VOCs",)),
    ("非金属矿物制品业", ("扬尘", "涉气")),
    ("农副食品加工业", ("涉水",)),
    ("纺织业", ("涉水",)),
    ("皮革、毛皮、羽毛及其制品和制鞋业", ("涉水", "涉重金属")),
    ("电力、热力生产和供应业", ("涉气",)),
    ("医药制造业", ("涉水", "危废")),
    ("污水处理及其再生利用", ("涉水",)),
]
SPECIALTIES = ["涉VOCs", "危废", "涉重金属", "涉水", "涉气", "扬尘", "辐射"]
_WORDS = "华润 恒信 鑫源 永盛 宏达 天成 瑞丰 金泰 嘉禾 博远 创新 裕隆 兴旺 德润 长城 冀中 燕南 保新"
_SUFFIX = {
    "化学原料和化学制品制造业": "化工",
    "金属表面处理及热处理加工": "金属制品",
    "汽车制造业": "汽车零部件",
}
_SURNAMES = "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 马 朱 胡 郭 何 高 林 罗"
_GIVEN = "伟 芳 娜 敏 静 强 磊 军 洋 勇 艳 杰 涛 明 超 秀英 海燕 建国 志强 晓东"


def _organisation_body(serial: int) -> str:
    """'MA' and six base-31 characters: unique per serial, in the code's own alphabet."""
    digits = []
    for _ in range(6):
        serial, rest = divmod(serial, len(CHARSET))
        digits.append(CHARSET[rest])
    return "MA" + "".join(reversed(digits))


def demo_targets(regions: CityRegions, count: int, seed: int = 2024) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    counties = sorted(regions.counties)
    weights = [3 if code.endswith(("02", "06", "81", "82")) else 1 for code in counties]
    words, rows = _WORDS.split(), []
    for serial in range(count):
        county = rng.choices(counties, weights)[0]
        industry, tags = rng.choice(INDUSTRIES)
        roll = rng.random()
        cls = (
            SupervisionClass.SPECIAL
            if roll < 0.05
            else SupervisionClass.KEY
            if roll < 0.30
            else SupervisionClass.GENERAL
        )
        positive = cls is SupervisionClass.GENERAL and rng.random() < 0.2
        grade = rng.choices(list(CreditRiskGrade), [40, 35, 18, 7])[0]
        name = (
            f"{regions.counties[county]}{rng.choice(words)}{_SUFFIX.get(industry, '实业')}有限公司"
        )
        rows.append(
            {
                "credit_code": complete_credit_code("91" + county + _organisation_body(serial)),
                "name": f"{name}（{serial:05d}）",
                "region_code": county,
                "industry": industry,
                "permit_category": _permit_category(cls, rng),
                "supervision_class": cls.value,
                "positive_list": positive,
                "credit_grade": grade.value,
                "tags": sorted(tags),
                "address": f"{regions.name}{regions.counties[county]}工业园区{rng.randint(1, 300)}号",
                "longitude": round(115.0 + rng.random() * 1.2, 6),
                "latitude": round(38.5 + rng.random() * 1.0, 6),
            }
        )
    return rows


def _permit_category(cls: SupervisionClass, rng: random.Random) -> str:
    if cls is SupervisionClass.GENERAL:
        return rng.choice(["简化管理", "登记管理"])
    return "重点管理"


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES.split()) + rng.choice(_GIVEN.split())


def demo_inspectors(regions: CityRegions, seed: int = 2024) -> list[dict[str, Any]]:
    """Per county: four inspectors, a team lead and a county admin; the city: admins and a corps."""
    rng = random.Random(seed)
    staff: list[tuple[str, Role]] = []
    for county in sorted(regions.counties):
        staff += [(county, Role.INSPECTOR)] * 4 + [(county, Role.LEAD), (county, Role.COUNTY_ADMIN)]
    staff += [(regions.code, Role.ADMIN)] * 2 + [(regions.code, Role.INSPECTOR)] * 8
    rows = []
    for serial, (region, role) in enumerate(staff, start=1):
        unit = (
            f"{regions.counties.get(region, '')}分局"
            if region != regions.code
            else "市生态环境综合执法支队"
        )
        rows.append(
            {
                "cert_no": f"{region}{serial:05d}",
                "name": _person(rng),
                "unit": f"{regions.name}生态环境局{unit}",
                "region_code": region,
                "specialties": sorted(rng.sample(SPECIALTIES, k=2)),
                "role": role.value,
                "status": DutyStatus.ON_DUTY.value,
            }
        )
    return rows


def demo_experts(regions: CityRegions, seed: int = 2024) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    units = ["保定市生态环境科学研究院", "保定市生态环境监测站", "河北省生态环境科学研究院保定分院"]
    return [
        {
            "name": _person(rng) + "（专家）",
            "unit": rng.choice(units),
            "region_code": regions.code,
            "industries": sorted({rng.choice(INDUSTRIES)[0], rng.choice(INDUSTRIES)[0]}),
            "phone": f"13{rng.randint(0, 9)}{serial:08d}",
        }
        for serial in range(1, 31)
    ]


_ITEMS = [
    ("排污许可制度执行情况的检查", "《排污许可管理条例》", "现场检查"),
    ("大气污染防治设施运行情况的检查", "《中华人民共和国大气污染防治法》", "现场检查"),
    ("水污染防治设施运行情况的检查", "《中华人民共和国水污染防治法》", "现场检查"),
    ("危险废物规范化环境管理的检查", "《中华人民共和国固体废物污染环境防治法》", "现场检查"),
    ("自动监控设施运行情况的检查", "《污染源自动监控管理办法》", "非现场检查"),
    ("建设项目环境影响评价制度执行情况的检查", "《中华人民共和国环境影响评价法》", "现场检查"),
    ("噪声污染防治情况的检查", "《中华人民共和国噪声污染防治法》", "现场检查"),
    ("突发环境事件应急预案备案情况的检查", "《突发环境事件应急管理办法》", "现场检查"),
    ("环境信息依法披露情况的检查", "《企业环境信息依法披露管理办法》", "非现场检查"),
    ("土壤污染隐患排查情况的检查", "《中华人民共和国土壤污染防治法》", "现场检查"),
    ("消耗臭氧层物质使用情况的检查", "《消耗臭氧层物质管理条例》", "现场检查"),
    ("辐射安全许可制度执行情况的检查", "《放射性同位素与射线装置安全和防护条例》", "现场检查"),
]


def demo_items() -> list[dict[str, Any]]:
    every_class = sorted(c.value for c in SupervisionClass)
    return [
        {
            "code": f"BDSTHJ-{number:03d}",
            "name": name,
            "basis": basis,
            "levels": ["city", "county"],
            "method": method,
            "classes": every_class,
        }
        for number, (name, basis, method) in enumerate(_ITEMS, start=1)
    ]
