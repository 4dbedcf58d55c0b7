"""简体中文 texts: the default catalogue. English overrides what it translates (en.py)."""

from __future__ import annotations

from storage.cells import CellProblem, Located
from storage.excel import SheetProblem, SheetProblemKind

_KIND_NAMES = {
    "targets": "检查对象名录库",
    "inspectors": "执法人员名录库",
    "experts": "专家库",
    "items": "随机抽查事项清单",
}

_CREDIT_CODE = {
    "empty": "为空",
    "length": "应为 18 位",
    "character": "含有不允许的字符（不使用 I、O、S、V、Z）",
    "division": "第 3–8 位应为行政区划代码（6 位数字）",
    "organisation_check": "第 9–17 位组织机构代码的校验码不符（GB 11714）",
    "check_character": "第 18 位校验码不符（GB 32100-2015）",
}


class Texts:
    locale = "zh"

    def kind_name(self, kind: str) -> str:
        return _KIND_NAMES.get(kind, kind)

    # --- spreadsheets -----------------------------------------------------------------------

    def sheet_problem(self, problem: SheetProblem) -> str:
        kind = problem.kind
        if kind is SheetProblemKind.NOT_FOUND:
            return f"找不到文件：{problem.detail}"
        if kind is SheetProblemKind.TOO_LARGE:
            size, limit = problem.detail.split("/")
            return f"文件过大（{int(size) // 1024} KB），上限为 {int(limit) // 1024} KB。"
        if kind is SheetProblemKind.OLD_XLS:
            return "这是旧版 .xls 文件，请在 Excel 中“另存为”.xlsx 后再导入。"
        if kind is SheetProblemKind.NOT_XLSX:
            return "文件不是 .xlsx 工作簿（可能是 CSV、文本或改了扩展名的文件），请用 Excel 另存为 .xlsx。"
        if kind is SheetProblemKind.CORRUPT:
            return "文件已损坏或不完整，无法读取，请重新保存或重新上传。"
        if kind is SheetProblemKind.ZIP_BOMB:
            return "文件解压后异常庞大，疑似恶意文件，已拒绝。"
        if kind is SheetProblemKind.EMPTY:
            return "工作表为空：第一行应为表头。"
        if kind is SheetProblemKind.DUPLICATE_COLUMN:
            return f"表头“{problem.detail}”出现了不止一次。"
        hint = f"（表中有“{problem.suggestion}”，是否写错？）" if problem.suggestion else ""
        return f"缺少必需列“{problem.detail}”{hint}"

    def cell_problem(self, found: Located) -> str:
        p, d = found.problem, found.detail
        reasons = {
            CellProblem.REQUIRED: "不能为空",
            CellProblem.TOO_LONG: f"过长（最多 {d} 个字符）",
            CellProblem.CREDIT_CODE: f"统一社会信用代码{_CREDIT_CODE.get(d, '无效')}",
            CellProblem.REGION_UNKNOWN: f"行政区划代码 {d} 不是本市的区县",
            CellProblem.COUNTY_MISMATCH: f"所属区县“{d}”与行政区划代码不符",
            CellProblem.CLASS_UNKNOWN: f"监管类别“{d}”无法识别（应为 特殊、重点 或 一般）",
            CellProblem.GRADE_UNKNOWN: f"信用风险等级“{d}”无法识别（应为 A、B、C、D）",
            CellProblem.YES_NO: f"“{d}”应为 是 或 否",
            CellProblem.PERMIT_CATEGORY: f"排污许可管理类别“{d}”应为 重点管理、简化管理 或 登记管理",
            CellProblem.NUMBER: f"“{d}”不是数字",
            CellProblem.COORDINATE: f"坐标 {d} 不在中国境内的范围",
            CellProblem.SCIENTIFIC: f"“{d}”已被 Excel 转成数字或科学计数法，请把该列设为文本后重新填写",
            CellProblem.ROLE_UNKNOWN: f"角色“{d}”应为 执法人员、组长、区县管理员 或 管理员",
            CellProblem.STATUS_UNKNOWN: f"状态“{d}”应为 在岗、休假 或 调离",
            CellProblem.LEVEL_UNKNOWN: f"实施层级“{d}”应为 市级 或 县级",
            CellProblem.PHONE: f"联系电话“{d}”无效",
            CellProblem.DUPLICATE_KEY: f"与第 {d} 行重复",
            CellProblem.FORMULA_ERROR: f"公式计算出错（{d}），请填写实际值",
        }
        return f"第 {found.row} 行「{found.column}」：{reasons[p]}"

    def import_refused(self, kind: str, count: int) -> str:
        return f"{self.kind_name(kind)}未导入：发现 {count} 处错误，未写入任何数据。"

    def import_done(
        self, kind: str, dry_run: bool, added: int, updated: int, unchanged: int, deactivated: int
    ) -> str:
        head = "试导入（未写入）" if dry_run else "导入完成"
        return (
            f"{self.kind_name(kind)}{head}：新增 {added}，更新 {updated}，"
            f"未变 {unchanged}，停用 {deactivated}。"
        )

    def error_column(self) -> str:
        return "错误"

    def error_sheet_title(self) -> str:
        return "错误标注"

    def errors_written(self, path: str) -> str:
        return f"已把标注错误的副本写入 {path}"

    # --- command line -----------------------------------------------------------------------

    def database_ready(self, url: str) -> str:
        return f"数据库已就绪：{url}"

    def template_written(self, kind: str, path: str) -> str:
        return f"已写出{self.kind_name(kind)}模板：{path}"

    def exported(self, kind: str, count: int, path: str) -> str:
        return f"已导出{self.kind_name(kind)} {count} 行：{path}"

    def unsupported_database(self, url: str) -> str:
        return f"不支持的数据库地址：{url}（应为 sqlite:///文件.db 或 postgresql://用户@主机/库）"

    def database_unreachable(self, detail: str) -> str:
        return f"无法连接数据库：{detail}"

    # --- demo -------------------------------------------------------------------------------

    def demo_loaded(self, targets: int, inspectors: int, experts: int, items: int) -> str:
        return (
            f"演示数据已就绪：检查对象 {targets} 家，执法人员 {inspectors} 名，"
            f"专家 {experts} 名，抽查事项 {items} 项。"
        )

    def demo_table_title(self, quarter: str) -> str:
        return f"各区县检查对象数与 {quarter} 季度县级最低抽查数（quota = ⌈比例 × 对象数⌉）"

    def demo_headers(self) -> list[str]:
        return ["区县", "特殊", "重点", "一般", "正面清单", "特殊抽", "重点抽", "一般抽", "非现场"]

    def demo_city_line(self, special: int, key: int, general: int) -> str:
        return f"市级每季度最低抽查数：特殊 {special}，重点 {key}，一般（正面清单外）{general}"
