"""The four directory sheets: their Chinese headers, how each cell is read and written back.

A sheet reads into plain dicts keyed by model column, so one upsert and one audit path serve
every directory. Export writes what import reads: re-importing an export changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from spotcheck.classes import SupervisionClass
from spotcheck.regions import CityRegions
from spotcheck.roles import DutyStatus, Role, role_fits_region
from storage import cells
from storage.cells import CellError, CellProblem, Located
from storage.models import Expert, InspectionItem, Inspector, Target

# A cell reader takes the cell's value and, for a with_format column, its number format too.
Reader = Callable[..., Any]
# The four directories' tables: each has an id and an active flag beside the sheet's columns.
DirectoryModel = type[Target] | type[Inspector] | type[Expert] | type[InspectionItem]
Writer = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _joined(values: list[str]) -> str:
    return ";".join(values)


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    read: Reader
    write: Writer = _same
    required: bool = True
    text: bool = False  # formatted as text in Excel so that codes keep their digits
    with_format: bool = False  # the reader also takes the cell's number format
    derived: bool = False  # written by export from the record, read as nothing on import


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    model: DirectoryModel
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    check_row: Callable[[dict[str, Any]], list[tuple[str, CellError]]] | None = None

    @property
    def needs_formats(self) -> bool:
        """Whether rows must be streamed as cells: some column reads its number format."""
        return any(c.with_format for c in self.columns)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def template_headers(self) -> list[str]:
        """What a blank template asks for: no derived column (nothing to fill in)."""
        return [c.header for c in self.columns if not c.derived]

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    @property
    def text_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.text]

    def key_of(self, values: dict[str, Any]) -> str:
        return "|".join(str(values[f]) for f in self.key)


def _targets(regions: CityRegions) -> SheetSpec:
    return SheetSpec(
        kind="targets",
        title="检查对象名录库",
        model=Target,
        key=("credit_code",),
        columns=(
            Column("统一社会信用代码", "credit_code", cells.credit_code, text=True),
            Column("单位名称", "name", cells.required_text),
            Column(
                "行政区划代码",
                "region_code",
                partial(cells.region_code, regions=regions),
                text=True,
            ),
            Column("所属区县", "_county", cells.text, required=False),
            Column("行业类别", "industry", partial(cells.text, limit=100), required=False),
            Column("排污许可管理类别", "permit_category", cells.permit_category, required=False),
            Column("监管类别", "_classes", cells.supervision_classes, _class_label),
            Column("正面清单", "positive_list", cells.yes_no, _yes_no, required=False),
            Column("信用风险等级", "credit_grade", cells.credit_grade),
            Column("标签", "tags", cells.word_list, _joined, required=False),
            Column("地址", "address", partial(cells.text, limit=300), required=False),
            Column(
                "经度", "longitude", partial(cells.coordinate, low=73.0, high=136.0), required=False
            ),
            Column(
                "纬度", "latitude", partial(cells.coordinate, low=3.0, high=54.0), required=False
            ),
            # issue 10: the target's record, from its passed checks (export only)
            Column(LAST_CHECKED, LAST_CHECKED_FIELD, _ignored, required=False, derived=True),
            Column(LAST_VIOLATION, LAST_VIOLATION_FIELD, _ignored, required=False, derived=True),
        ),
        check_row=partial(_target_row, regions=regions),
    )


# --- issue 10: violations feed the record ---

LAST_CHECKED, LAST_CHECKED_FIELD = "最近检查日期", "_last_checked"
LAST_VIOLATION, LAST_VIOLATION_FIELD = "最近发现问题", "_last_violation"


def _ignored(_value: Any) -> None:
    """A derived column read back: whatever it holds, nothing (the record is the database's)."""
    return None


def _class_label(value: str) -> str:
    return SupervisionClass(value).label


def _target_row(values: dict[str, Any], regions: CityRegions) -> list[tuple[str, CellError]]:
    """Derived fields: the class after the precedence rule; the county name must fit the code."""
    values["supervision_class"] = cells.classify(
        values.pop("_classes"), values["positive_list"]
    ).value
    county = values.pop("_county")
    values.pop(LAST_CHECKED_FIELD, None)
    values.pop(LAST_VIOLATION_FIELD, None)
    if county and not regions.name_matches(values["region_code"], county):
        return [("所属区县", CellError(CellProblem.COUNTY_MISMATCH, county))]
    return []


def _inspectors(regions: CityRegions) -> SheetSpec:
    return SheetSpec(
        kind="inspectors",
        title="执法人员名录库",
        model=Inspector,
        key=("cert_no",),
        columns=(
            Column("姓名", "name", partial(cells.required_text, limit=50)),
            Column("执法证号", "cert_no", cells.certificate_number, text=True, with_format=True),
            Column("所属单位", "unit", cells.text, required=False),
            Column(
                "行政区划代码",
                "region_code",
                partial(cells.region_code, regions=regions, allow_city=True),
                text=True,
            ),
            Column("专长标签", "specialties", cells.word_list, _joined, required=False),
            Column("角色", "role", cells.role, lambda v: Role(v).label),
            Column("状态", "status", cells.duty_status, lambda v: DutyStatus(v).label),
        ),
        check_row=partial(_inspector_row, regions=regions),
    )


def _inspector_row(values: dict[str, Any], regions: CityRegions) -> list[tuple[str, CellError]]:
    """A city admin carries the city's own code, a county admin a county's: the role and the
    region together decide what an admin may draw and whom he may invite."""
    role = Role(values["role"])
    if role_fits_region(role, values["region_code"] == regions.code):
        return []
    return [("角色", CellError(CellProblem.ROLE_REGION, role.label))]


def _experts(regions: CityRegions) -> SheetSpec:
    return SheetSpec(
        kind="experts",
        title="专家库",
        model=Expert,
        key=("name", "phone"),
        columns=(
            Column("姓名", "name", partial(cells.required_text, limit=50)),
            Column("所在单位", "unit", cells.text, required=False),
            Column(
                "行政区划代码",
                "region_code",
                partial(cells.region_code, regions=regions, allow_city=True),
                text=True,
            ),
            Column("擅长行业", "industries", cells.name_list, _joined, required=False),
            Column("联系电话", "phone", cells.phone, text=True, with_format=True),
        ),
    )


def _items() -> SheetSpec:
    return SheetSpec(
        kind="items",
        title="随机抽查事项清单",
        model=InspectionItem,
        key=("code",),
        columns=(
            Column("事项编码", "code", cells.certificate_number, text=True, with_format=True),
            Column("事项名称", "name", cells.required_text),
            Column("检查依据", "basis", partial(cells.text, limit=2000), required=False),
            Column(
                "实施层级",
                "levels",
                cells.levels,
                lambda v: ";".join(cells.LEVEL_LABELS[x] for x in v),
            ),
            Column("检查方式", "method", partial(cells.text, limit=50), required=False),
            Column(
                "适用监管类别",
                "classes",
                cells.item_classes,
                lambda v: ";".join(SupervisionClass(x).label for x in v),
                required=False,
            ),
        ),
    )


KINDS = ("targets", "inspectors", "experts", "items")


def sheet_spec(kind: str, regions: CityRegions) -> SheetSpec:
    if kind == "targets":
        return _targets(regions)
    if kind == "inspectors":
        return _inspectors(regions)
    if kind == "experts":
        return _experts(regions)
    if kind == "items":
        return _items()
    raise ValueError(kind)


@dataclass
class ParsedSheet:
    rows: dict[str, dict[str, Any]]  # key → values, in sheet order
    problems: list[Located]
    row_numbers: dict[str, int]


def parse_rows(
    spec: SheetSpec, positions: dict[str, int], rows: Iterator[tuple[int, tuple[Any, ...]]]
) -> ParsedSheet:
    """Read every row, collecting every problem; blank rows are skipped."""
    present = [(c, positions[c.header]) for c in spec.columns if c.header in positions]
    absent = [c for c in spec.columns if c.header not in positions]
    parsed: dict[str, dict[str, Any]] = {}
    numbers: dict[str, int] = {}
    problems: list[Located] = []
    for number, row in rows:
        if all(_blank(v) for v in row):
            continue
        values, row_problems = _read_row(present, absent, row, number)
        if not row_problems and spec.check_row is not None:
            for header, error in spec.check_row(values):
                row_problems.append(
                    Located(number, header, error.problem, error.detail, error.detail)
                )
        if row_problems:
            problems.extend(row_problems)
            continue
        key = spec.key_of(values)
        if key in numbers:
            header = next(c.header for c in spec.columns if c.field == spec.key[0])
            problems.append(
                Located(number, header, CellProblem.DUPLICATE_KEY, str(numbers[key]), key)
            )
            continue
        numbers[key] = number
        parsed[key] = values
    return ParsedSheet(parsed, problems, numbers)


def _blank(cell: Any) -> bool:
    value = getattr(cell, "value", cell)  # a streamed cell or a bare value
    return value is None or (isinstance(value, str) and not value.strip())


def _read_row(
    present: list[tuple[Column, int]], absent: list[Column], row: tuple[Any, ...], number: int
) -> tuple[dict[str, Any], list[Located]]:
    values: dict[str, Any] = {}
    problems: list[Located] = []
    width = len(row)
    streamed = width > 0 and hasattr(row[0], "number_format")  # cells, not bare values
    for column, index in present:
        cell = row[index] if index < width else None
        value = cell.value if streamed and cell is not None else cell
        try:
            if column.with_format:
                values[column.field] = column.read(value, getattr(cell, "number_format", None))
            else:
                values[column.field] = column.read(value)
        except CellError as error:
            shown = "" if value is None else str(value)
            problems.append(Located(number, column.header, error.problem, error.detail, shown))
    for column in absent:
        values[column.field] = column.read(None)
    return values, problems


def export_row(spec: SheetSpec, values: dict[str, Any], regions: CityRegions) -> list[Any]:
    row: list[Any] = []  # what write_sheet writes: text, numbers, dates, blanks
    for column in spec.columns:
        if column.field == "_county":
            row.append(regions.county_name(values["region_code"]) or "")
        elif column.field == "_classes":
            row.append(column.write(values["supervision_class"]))
        else:
            value = values.get(column.field)
            row.append(column.write(value) if value is not None else None)
    return row
