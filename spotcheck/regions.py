"""行政区划代码: the city and its counties (GB/T 2260), Baoding by default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

BAODING_CODE = "130600"
BAODING_NAME = "保定市"

# GB/T 2260 codes under 130600, including the development zones the bureau supervises as
# counties and the three Xiong'an counties, which the plan names as a city-level area too.
BAODING_COUNTIES: Mapping[str, str] = {
    "130602": "竞秀区",
    "130606": "莲池区",
    "130607": "满城区",
    "130608": "清苑区",
    "130609": "徐水区",
    "130623": "涞水县",
    "130624": "阜平县",
    "130626": "定兴县",
    "130627": "唐县",
    "130628": "高阳县",
    "130629": "容城县",
    "130630": "涞源县",
    "130631": "望都县",
    "130632": "安新县",
    "130633": "易县",
    "130634": "曲阳县",
    "130635": "蠡县",
    "130636": "顺平县",
    "130637": "博野县",
    "130638": "雄县",
    "130671": "保定高新技术产业开发区",
    "130672": "保定白沟新城",
    "130681": "涿州市",
    "130682": "定州市",
    "130683": "安国市",
    "130684": "高碑店市",
}


@dataclass(frozen=True, slots=True)
class CityRegions:
    """The configured city: its own code and name, and its counties by code."""

    code: str = BAODING_CODE
    name: str = BAODING_NAME
    counties: Mapping[str, str] = field(default_factory=lambda: dict(BAODING_COUNTIES))

    def county_name(self, code: str) -> str | None:
        return self.counties.get(code)

    def is_county(self, code: str) -> bool:
        return code in self.counties

    def name_matches(self, code: str, written: str) -> bool:
        """Whether a county name as written in a sheet fits the code: '竞秀' fits 竞秀区."""
        official = self.counties.get(code)
        if official is None:
            return False
        return _core(written) == _core(official)


@cache
def _core(name: str) -> str:
    name = name.strip()
    for suffix in ("区", "县", "市"):
        if len(name) > 2 and name.endswith(suffix):
            return name[: -len(suffix)]
    return name
