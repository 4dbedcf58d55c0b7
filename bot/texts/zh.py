"""简体中文 texts: the default catalogue. English overrides what it translates (en.py)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, ClassVar

from bot.charts.fonts import FONT_PACKAGE, FontProblem
from bot.texts.units import units as _units
from spotcheck.draw import Refusal, RefusalKind
from spotcheck.evaluation import Criterion, ReportStatus
from spotcheck.inspection import FollowUpKind, ItemAnswer, ResultCategory, ResultState
from spotcheck.quota import TaskKind
from spotcheck.regions import CityRegions
from spotcheck.reminders import Duty
from spotcheck.roles import STRANGER_COMMANDS, Role, commands_for
from spotcheck.stages import StageCounts
from spotcheck.states import TaskState
from spotcheck.statistics import CREDIT_MINIMUM, JOINT_MINIMUM, RatioCheck, Rule, Tally
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
        if kind is SheetProblemKind.DOCTYPE:
            return self.doctype_refused()
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
            CellProblem.ROLE_REGION: (
                "管理员（市局）的行政区划代码须为市局本级代码；区县的管理员请填“区县管理员”"
                if d == Role.ADMIN.label
                else f"{d}的行政区划代码须为区县代码"
            ),
            CellProblem.DUPLICATE_KEY: f"与第 {d} 行重复",
            CellProblem.FORMULA_ERROR: f"公式计算出错（{d}），请填写实际值",
            CellProblem.OTHER_COUNTY: f"行政区划代码 {d} 不是本区县的，区县管理员只能导入本区县的数据",
            CellProblem.ROLE_NOT_ALLOWED: f"区县管理员不能设置“{d}”角色（只能设置执法人员或组长）",
            CellProblem.OTHER_COUNTYS_ROW: f"该行已登记在其他区县（{d}），区县管理员不能改动或迁入本区县",
            CellProblem.PROTECTED_ROW: f"该行是{d}，区县管理员只能改动本区县的执法人员和组长",
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

    # --- draws ------------------------------------------------------------------------------

    def class_short(self, cls: str | None) -> str:
        return {"special": "特殊", "key": "重点", "general": "一般"}.get(cls or "", "全部类别")

    def level_name(self, level: str) -> str:
        return {"city": "市级", "county": "县级"}.get(level, level)

    def region_name(self, regions: CityRegions, code: str | None) -> str:
        if code is None:
            return regions.name
        return regions.county_name(code) or code

    def stratum_label(self, regions: CityRegions, stratum: dict[str, Any]) -> str:
        where = self.region_name(regions, stratum["region"])
        grade = f"{stratum['grade']}级" if stratum["grade"] else "正面清单（非现场）"
        return f"{where} {self.class_short(stratum['class'])} {grade}"

    def percent(self, ratio: Fraction) -> str:
        """1/4 → 25%, 3/100 → 3%, 1/3 → 33.33%."""
        value = ratio * 100
        if value.denominator == 1:
            return f"{value.numerator}%"
        return f"{float(value):.2f}".rstrip("0").rstrip(".") + "%"

    def plan_title(self, quarter: str, level: str) -> str:
        return f"{quarter} {self.level_name(level)}抽查计划"

    def plan_headers(self) -> list[str]:
        return ["抽查层", "对象数", "比例", "倍数", "应抽", "本季已抽", "本次抽"]

    def plan_totals(self, onsite: int, offsite: int) -> str:
        return f"合计：本次现场检查 {onsite} 家，非现场监管 {offsite} 家。"

    def plan_empty(self) -> str:
        return "没有符合条件的检查对象：请检查季度、层级、区县、类别和筛选条件。"

    def draw_done(self, record_id: int, onsite: int, offsite: int, people: int) -> str:
        return (
            f"第 {record_id} 号抽查记录已生成：现场检查 {onsite} 家，非现场监管 {offsite} 家，"
            f"执法人员 {people} 人次。"
        )

    def draw_seed(self, seed: dict[str, Any]) -> str:
        parts = [f"种子 {seed['value']}"]
        if seed.get("public_text") is not None:
            parts.append(f"公开文本“{seed['public_text']}”")
        if seed.get("commitment"):
            parts.append(f"承诺值 {seed['commitment']}")
        return "；".join(parts)

    def record_written(self, path: str) -> str:
        return f"抽查记录已写入 {path}，可用 shuangsuiji verify 复核。"

    def replacement_done(self, record_id: int, target: str, removed: str, added: list[str]) -> str:
        return (
            f"第 {record_id} 号记录：{target} 的执法人员 {removed} 已由 {'、'.join(added)} 替换。"
        )

    def commitment_made(self, commitment_id: int, commitment: str) -> str:
        return (
            f"已生成第 {commitment_id} 号熵承诺。请在抽取前公布其 SHA-256：\n{commitment}\n"
            f"抽取时使用 --commitment {commitment_id} --seed 公开文本。"
        )

    def verify_ok(self, record_id: object) -> str:
        return f"OK：记录 {record_id} 与重新计算的结果一致。"

    def verify_failed(self, record_id: object, path: str | None) -> str:
        return f"不一致：记录 {record_id} 重新计算后，第一处差异在 {path}。"

    def refusal(self, regions: CityRegions, reason: Refusal) -> str:
        where = self.region_name(regions, reason.region) if reason.region else regions.name
        if reason.kind is RefusalKind.TOO_FEW_TARGETS:
            return (
                f"无法抽取：{where} 的抽查层 {reason.stratum} 需抽 {reason.needed} 家，"
                f"排除后只剩 {reason.available} 家可抽。"
            )
        if reason.kind is RefusalKind.TOO_FEW_INSPECTORS:
            return (
                f"无法抽取：{where} 执法人员不足，检查 {reason.target} 需要 {reason.needed} 名，"
                f"符合条件（未回避、非本地交叉执法）的只有 {reason.available} 名。请补充执法人员后重试。"
            )
        if reason.kind is RefusalKind.WORKLOAD_CAP:
            return (
                f"无法抽取：{where} 执法人员本季度任务已达上限 {reason.cap} 件，检查 {reason.target} "
                f"需要 {reason.needed} 名，只有 {reason.available} 名未达上限。"
            )
        return (
            f"无法抽取：专家不足，检查 {reason.target} 需要 {reason.needed} 名专家，"
            f"只有 {reason.available} 名可用。"
        )

    def draw_problem(self, kind: str, details: dict[str, Any]) -> str:
        d = details
        messages = {
            "bad_quarter": f"季度“{d.get('quarter')}”格式不对，应如 2024Q1。",
            "unknown_region": f"行政区划代码 {d.get('region')} 不是本市的区县。",
            "commitment_unusable": f"第 {d.get('commitment')} 号熵承诺不存在或已用过。",
            "already_drawn": (
                f"该计划本季度已抽取过（第 {d.get('record')} 号记录）。"
                "如需重抽，请用 --amends 记录号 --reason 原因。"
            ),
            "already_drawn_chat": (
                f"该计划本季度已抽取过（第 {d.get('record')} 号记录），未重复抽取。"
                "如确需重抽，须写明原因，由管理员在命令行修订该记录。"
            ),
            "nothing_to_amend": f"没有可修订的计划：第 {d.get('record')} 号记录不属于此计划。",
            "reason_required": "重抽或替换必须写明原因（--reason）。",
            "late_reason_required": (
                f"{d.get('quarter')} 已经结束：补抽过期季度须写明原因（--reason），"
                "原因记入抽查记录。"
            ),
            "late_reason_required_chat": (
                f"{d.get('quarter')} 已经结束，未抽取。补抽过期季度须写明原因，"
                "由管理员在命令行抽取（原因记入抽查记录）。"
            ),
            "not_current": f"第 {d.get('record')} 号记录已不是现行记录（现行为第 {d.get('current')} 号），请基于现行记录操作。",
            "no_record": f"找不到第 {d.get('record')} 号抽查记录。",
            "not_in_record": f"检查对象 {d.get('target')} 不在现行抽查记录中。",
            "not_in_team": f"执法人员 {d.get('inspector')} 不在 {d.get('target')} 的检查组中。",
            "bad_seed": "公开种子文本不能包含 NUL 字符。",
            "no_file": f"找不到记录文件 {d.get('path')}。",
            "empty_plan": "按所选条件没有要抽取的检查对象，未生成抽查记录。",
            "bad_out": f"无法写入记录文件 {d.get('path')}（目录不存在或无权限），未抽取。",
            "bad_experts": "专家人数不能为负数。",
            "bad_filter": f"筛选条件“{d.get('filter')}”无法识别，应为 industry=…、tag=…、permit=…、region=… 或 violation=within:天数。",
            "bad_joint": "联合检查需要写明参与方：内部联合至少两个处室，部门联合至少一个部门。",
            "no_quarter": "缺少 --quarter：请写明季度，如 --quarter 2024Q1。",
            "no_level": "缺少 --level：请写明抽查层级，--level city（市级）或 --level county（县级）。",
        }
        return messages.get(kind, kind)

    # --- the bot ----------------------------------------------------------------------------

    def bot_start_failed(self, api: str, error: str) -> str:
        return (
            f"无法启动机器人：Telegram Bot API（{api}）拒绝了令牌或无法连接（{error}）。"
            "请检查 [telegram] token 与 api_base_url。"
        )

    def token_missing(self) -> str:
        return "没有配置机器人令牌：请在 config.toml 的 [telegram] token 或环境变量 TELEGRAM_BOT_TOKEN 中设置。"

    def stranger_refusal(self) -> str:
        return (
            "您好！本机器人仅供生态环境执法人员使用。"
            "如您是执法人员，请向管理员索取邀请码，然后发送 /start 邀请码。"
        )

    def welcome(self, name: str, role: str) -> str:
        return f"{name}，您好！已绑定为{role}。发送 /help 查看可用命令。"

    def invite_problem(self, kind: str) -> str:
        return {
            "wrong_code": "邀请码不正确，请核对后重新发送 /start 邀请码。",
            "used_code": "该邀请码已被使用过。如需重新绑定，请向管理员索取新的邀请码。",
            "expired_code": "该邀请码已过期，请向管理员索取新的邀请码。",
            "unknown_inspector": "执法人员名录中没有这个执法证号，或其已停用。",
            "account_taken": "这个 Telegram 账号已绑定其他执法人员，如需更换请联系管理员。",
            "not_allowed": "您只能为本区县的执法人员和组长生成邀请码。",
        }.get(kind, "邀请码无效。")

    def invite_not_admin(self) -> str:
        return "只有管理员可以生成邀请码。"

    def invite_usage(self) -> str:
        return "用法：/invite 执法证号"

    def invite_created(self, name: str, cert_no: str, code: str, expires: str) -> str:
        return (
            f"已为 {name}（{cert_no}）生成一次性邀请码：{code}\n"
            f"有效期至 {expires}。请本人向机器人发送：/start {code}"
        )

    def help(self, role: Role) -> str:
        lines = ["可用命令："] + [f"/{c} — {d}" for c, d in self.commands(role)]
        return "\n".join(lines)

    _COMMANDS: ClassVar[dict[str, str]] = {
        "start": "绑定：/start 邀请码",
        "tasks": "我的检查任务",
        "report": "填写现场检查结果",
        "resume": "继续填写未完成的表单",
        "followups": "未完结的后续处理（办结）",  # issue 10
        "draw": "发起双随机抽取",
        "invite": "生成执法人员邀请码",
        "ask": "问政策：/ask 问题",
        "deadlines": "近期报送期限",
        "digest": "进度摘要",
        "policies": "规定库",
        "import": "导入名录库（发送 .xlsx）",
        "template": "空白导入模板：/template 类别",
        "export": "导出统计表：/export [季度] [区县]",  # issue 11
        "help": "帮助",
        "cancel": "取消当前操作",
    }

    def commands(self, role: Role | None) -> list[tuple[str, str]]:
        """A role's menu (setMyCommands for its chat); None: what strangers see."""
        names = STRANGER_COMMANDS if role is None else commands_for(role)
        return [(name, self._COMMANDS[name]) for name in names]

    def button_accept(self) -> str:
        return "接受"

    def button_recuse(self) -> str:
        return "申请回避"

    def assignment_pushed(
        self,
        quarter: str,
        target_name: str,
        credit_code: str,
        address: str,
        items: list[str],
        team: list[tuple[str, bool]],
        due: date | None,
        replacement: bool,
    ) -> str:
        head = "【检查任务（替换）】" if replacement else "【检查任务】"
        members = "、".join(f"{n}（组长）" if lead else n for n, lead in team)
        listed = (
            "\n".join(f"  {i}. {name}" for i, name in enumerate(items, start=1))
            or "  （按事项清单）"
        )
        return (
            f"{head}{quarter}\n检查对象：{target_name}\n统一社会信用代码：{credit_code}\n"
            f"地址：{address or '—'}\n检查组：{members}\n完成期限：{due.isoformat() if due else '—'}\n"
            f"检查事项：\n{listed}\n任务在检查前保密，请勿外传。"
        )

    def assignment_withdrawn(self, quarter: str, target_name: str) -> str:
        return f"【任务撤回】{quarter} {target_name} 的检查任务因重新抽取已撤回，请以新推送的任务为准。"

    def accepted(self, target_name: str, changed: bool) -> str:
        return f"已接受：{target_name}。" if changed else f"您已接受过该任务：{target_name}。"

    def not_yours(self) -> str:
        return "该任务不属于您，或已变更。操作未执行。"

    def recusal_ask_reason(self, target_name: str, minutes: int) -> str:
        return f"申请回避：{target_name}。请在 {minutes} 分钟内直接回复回避原因（如亲属关系、曾任职等）；发送 /cancel 放弃。"

    def recusal_done(self, target_name: str, replacement: str) -> str:
        return f"回避申请已登记：{target_name} 改由 {replacement} 参加检查。"

    def recusal_unreplaced(self, target_name: str, name: str, reason: str) -> str:
        return f"【需处理】{name} 申请回避 {target_name}（{reason}），但没有符合条件的人员可替换，请管理员安排。"

    def recusal_no_replacement(self, target_name: str, refusal: str) -> str:
        return f"回避申请已登记：{target_name}。暂无可替换人员，已通知管理员安排。\n{refusal}"

    def reason_required(self) -> str:
        return "请写明原因。"

    def team_changed(self, target_name: str, removed: str, added: str, reason: str) -> str:
        return f"【检查组变更】{target_name}：{removed} 申请回避（{reason}），由 {added} 替换。"

    def unreachable(self, name: str, cert_no: str) -> str:
        return f"执法人员 {name}（{cert_no}）的 Telegram 已无法送达（可能屏蔽了机器人），请通过其他方式通知。"

    def tasks_empty(self) -> str:
        return "您目前没有检查任务。"

    TASKS_LIMIT = 4000  # UTF-16 units, as Telegram counts them: one message holds 4096

    def tasks_list(self, tasks: list[tuple[int, str, str, str, TaskState, bool]]) -> str:
        """(assignment id, quarter, target name, due, state, is lead) per task, in order: as
        many as one message holds, the rest counted."""
        lines = [self.task_line(i, *task) for i, task in enumerate(tasks, start=1)]
        head, hint = self.tasks_head(), self.tasks_hint()
        whole = "\n".join([head, *lines, hint])
        if _units(whole) <= self.TASKS_LIMIT:
            return whole
        more_at_most = self.tasks_more(len(lines))
        budget = self.TASKS_LIMIT - _units(head) - _units(hint) - _units(more_at_most) - 2
        shown = 0
        for line in lines:
            budget -= _units(line) + 1
            if budget < 0:
                break
            shown += 1
        more = [self.tasks_more(len(lines) - shown)] if shown < len(lines) else []
        return "\n".join([head, *lines[:shown], *more, hint])

    def tasks_head(self) -> str:
        return "我的检查任务："

    def task_line(
        self, i: int, task: int, quarter: str, name: str, due: str, state: TaskState, lead: bool
    ) -> str:
        states = {
            TaskState.TO_ACCEPT: "待接受",
            TaskState.ACCEPTED: "已接受",
            TaskState.INSPECTING: "检查中",
            TaskState.SUBMITTED: "已提交",
            TaskState.PENDING_REVIEW: "待审核",
            TaskState.RETURNED: "退回",
            TaskState.PASSED: "通过",
        }
        lead_mark = "（组长）" if lead else ""
        shown = states.get(state, state)
        return f"{i}. {quarter} {name}{lead_mark} — 期限 {due}，{shown} /task_{task}"

    def tasks_more(self, count: int) -> str:
        return f"……另有 {count} 项未列出（按期限先后，请先处理以上任务）。"

    def tasks_hint(self) -> str:
        return "点击任务后的链接查看详情，并接受或申请回避。"

    def nothing_to_cancel(self) -> str:
        return "当前没有进行中的操作。"

    def cancelled(self) -> str:
        return "已取消。"

    def stale_button(self) -> str:
        return "这个按钮已过期，请重新发起。"

    def not_admin(self) -> str:
        return "只有管理员可以发起抽取。"

    def not_allowed_draw(self) -> str:
        return "区县管理员只能为本区县发起县级抽取。"

    def unknown_input(self) -> str:
        return "没有看懂。发送 /help 查看可用命令。"

    def error_apology(self) -> str:
        return "处理时出错了，已记录并通知管理员。您输入的内容没有丢失，请稍后重试。"

    def error_report(self, update_id: int | None, error: str) -> str:
        where = f"处理第 {update_id} 号更新时" if update_id is not None else "后台任务中"
        return f"机器人出错：{where}\n{error}"

    def preview(
        self, regions: CityRegions, quarter: str, level: str, strata: list[dict[str, Any]]
    ) -> str:
        lines = [f"预览：{self.plan_title(quarter, level)}"]
        lines += [
            f"{self.stratum_label(regions, s)}：{s['population']} 家，应抽 {s['to_draw']}"
            for s in strata
        ]
        onsite = sum(s["to_draw"] for s in strata if s["kind"] == TaskKind.ONSITE)
        offsite = sum(s["to_draw"] for s in strata if s["kind"] == TaskKind.OFFSITE)
        lines.append(self.plan_totals(onsite, offsite))
        return "\n".join(lines) if strata else self.plan_empty()

    # --- reporting and digests --------------------------------------------------------------

    def duty_name(self, duty: str) -> str:
        return {Duty.SUMMARY: "季度工作总结", Duty.STATISTICS: "季度统计表"}[Duty(duty)]

    def window_text(self, window: tuple[date, date], provisional: bool) -> str:
        first, last = window
        span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
        return span + ("（暂定，节假日安排未发布）" if provisional else "")

    def report_reminder(
        self,
        county: str,
        quarter: str,
        duty: str,
        stage: str,
        window: tuple[date, date],
        provisional: bool,
    ) -> str:
        what, when = self.duty_name(duty), self.window_text(window, provisional)
        if stage == "ahead":
            return f"【报送提醒】{county}：{quarter} {what}将于 {when} 报送，请提前准备。"
        if stage == "opens":
            return f"【报送提醒】{county}：{quarter} {what}报送期已开始（{when}）。报送后请点“已报送”或直接上传文件。"
        if stage == "due":
            return f"【报送提醒】{county}：今天是 {quarter} {what}报送的最后一天（{when}）。"
        return f"【逾期】{county} 尚未报送 {quarter} {what}（报送期 {when}）。"

    def report_late(
        self,
        counties: list[str],
        quarter: str,
        duty: str,
        window: tuple[date, date],
        provisional: bool,
    ) -> str:
        listed = "、".join(counties)
        period = self.window_text(window, provisional)
        return f"【逾期】{listed} 尚未报送 {quarter} {self.duty_name(duty)}（报送期 {period}）。"

    def button_submitted(self) -> str:
        return "已报送"

    def submitted(self, quarter: str, duty: str, new: bool) -> str:
        what = self.duty_name(duty)
        return (
            f"已登记：{quarter} {what}已报送，相关提醒停止。"
            if new
            else f"{quarter} {what}此前已登记为已报送。"
        )

    def reporting_problem(self, kind: str) -> str:
        return {
            "not_county_admin": "只有区县管理员可以登记本区县的报送。",
            "nothing_due": "现在没有待报送的总结或统计表。",
            "which_duty": "现在总结和统计表都待报送：请在文件名中注明“总结”或“统计表”后重新上传。",
        }.get(kind, kind)

    def calendar_unknown(self, year: int) -> str:
        return (
            f"【日历】{year} 年的放假安排尚未收录，该年的报送期限暂按周一至周五并避开法定节假日推算（调休上班日未计入，标注为暂定）。"
            f"国务院发布安排后，请在配置 [calendar] 的 extra_holidays 与 extra_workdays 中补全 {year} 年的放假和调休日期。"
        )

    def progress_bar(self, done: int, total: int, width: int = 10) -> str:
        if total <= 0:
            return "—"
        filled = min(width, round(width * done / total))
        return "█" * filled + "░" * (width - filled)

    def lead_digest(self, groups: int, waiting: int, accepted: int, overdue: int) -> str:
        members = waiting + accepted
        lines = [
            f"【组长日报】您带的检查组 {groups} 个",
            f"接受 {self.progress_bar(accepted, members)} {accepted}/{members} 人次",
        ]
        if overdue:
            lines.append(f"逾期未检查：{overdue} 家")
        return "\n".join(lines)

    def county_digest(self, county: str, quarter: str, rows: list[tuple[str, int, int]]) -> str:
        lines = [f"【周报】{county} {quarter} 县级抽查进度"]
        for cls, drawn, minimum in rows:
            mark = "✓" if drawn >= minimum else ""
            lines.append(
                f"{self.class_short(cls)} {self.progress_bar(drawn, minimum)} "
                f"{drawn}/{minimum}{mark}"
            )
        return "\n".join(lines)

    def due_soon(self, target_name: str, due: date) -> str:
        return f"【到期提醒】{target_name} 的检查将于 {due.isoformat()} 到期。"

    def digest_empty(self) -> str:
        return "目前没有需要汇报的进度。"

    def bad_year(self, year: int) -> str:
        return f"年份 {year} 超出范围（1900–2100）。"

    def deadlines_title(self) -> str:
        return "近期报送期限："

    def deadline_line(
        self,
        quarter: str,
        duty: str,
        window: tuple[date, date],
        provisional: bool,
        submitted: bool | None,
    ) -> str:
        state = "" if submitted is None else ("（已报送）" if submitted else "（未报送）")
        return f"{quarter} {self.duty_name(duty)}：{self.window_text(window, provisional)}{state}"

    def deadlines_year(
        self,
        quarter: str,
        summary: tuple[date, date],
        statistics: tuple[date, date],
        draw_due: date,
        provisional: bool,
    ) -> str:
        mark = "（暂定）" if provisional else ""
        return (
            f"{quarter}{mark}  工作总结 {summary[0].isoformat()}–{summary[1].isoformat()}  "
            f"统计表 {statistics[0].isoformat()}–{statistics[1].isoformat()}  "
            f"抽取截止 {draw_due.isoformat()}"
        )

    def calendar_warning(self, years: list[int]) -> str:
        listed = "、".join(str(y) for y in years)
        return (
            f"注意：{listed} 年的放假安排尚未收录，相关日期按周一至周五并避开法定节假日推算（调休上班日未计入），标注为暂定（provisional）。"
            f"请在配置 [calendar] 中补充该年的 extra_holidays 和 extra_workdays。"
        )

    # --- policy questions -------------------------------------------------------------------

    def qa_not_found(self, documents: list[str]) -> str:
        """Nothing covers the question: say so, and what the bot can answer (the policy
        documents by name, the guide, the live configuration)."""
        return "\n".join(
            [
                "没有找到相关规定。我能回答的是：",
                f"· 规定原文：{'、'.join(f'《{name}》' for name in documents)}",
                "· 本机器人的用法：《使用说明》（任务、回避、现场检查、抽取、核验、报送）",
                "· 现行配置：各级各类监管对象的抽查比例、本季度应抽家数、报送期限",
                "可以换个说法再问，或咨询市局。",
            ]
        )

    def qa_passage(self, document: str, section: str, title: str, text: str) -> str:
        heading = f"{section} {title}".strip()
        return f"《{document}》{heading}：\n{text}"

    def qa_ratio(self, level: str, cls: str, configured: str, planned: str | None) -> str:
        scope = "（正面清单外；正面清单企业每季度非现场监管全覆盖）" if cls == "general" else ""
        line = (
            f"按现行配置，{self.level_name(level)}{self.class_short(cls)}监管对象{scope}"
            f"每季度至少抽查 {configured}。"
        )
        if planned is not None:
            line += f"（方案原文为 {planned}，本系统配置已调整为 {configured}。）"
        return line

    def qa_quota(
        self,
        where: str,
        quarter: str,
        level: str,
        cls: str,
        population: int,
        ratio: str,
        quota: int,
    ) -> str:
        return (
            f"按现行配置和名录库，{where}{quarter}：{self.class_short(cls)}监管对象"
            f"{'（正面清单外）' if cls == 'general' else ''}{population} 家，"
            f"{self.level_name(level)}每季度至少抽查 {ratio}，本季度至少 {quota} 家（向上取整，含信用风险分级）。"
        )

    def qa_deadlines(self, lines: list[str]) -> str:
        return "\n".join([f"按现行配置（节假日日历）算出的{self.deadlines_title()}", *lines])

    def button_next_passage(self) -> str:
        return "下一条相关规定"

    def qa_stale(self) -> str:
        return "规定库已更新，请重新提问。"

    def default_document_name(self) -> str:
        return "规定.txt"

    def document_added(self, name: str, passages: int) -> str:
        return f"已加入规定库：《{name}》，共 {passages} 段。"

    def document_removed(self, name: str) -> str:
        return f"已从规定库移除：《{name}》。"

    def document_problem(self, kind: str) -> str:
        return {
            "too_large": "文件过大（上限 2 MB）。",
            "not_text": "只接受 .txt 或 .docx 规定文本。",
            "unreadable": "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。",
            "unsafe": self.doctype_refused(),
            "empty": "文件里没有可用的文字。",
            "no_document": "没有这个规定文件编号。",
            "not_admin": "只有市局管理员可以管理规定库。",
        }.get(kind, kind)

    def documents_list(self, rows: list[tuple[int, str]]) -> str:
        lines = ["规定库："] + [
            f"{i}. 《{name}》{'（内置）' if i == 0 else ''}" for i, name in rows
        ]
        lines.append("移除：/policies remove 编号；加入：直接发送 .txt 或 .docx 文件。")
        return "\n".join(lines)

    def ask_usage(self) -> str:
        return "用法：/ask 问题，例如 /ask 县级重点监管对象每季度抽多少？"

    # --- issue 16: hostile files ---

    def doctype_refused(self) -> str:
        return "文件含有 DOCTYPE 声明（Office 文件不会有），疑似恶意文件，已拒绝。请用 Excel 或 Word 另存一份再试。"

    # --- issue 16: the demo's chat ----------------------------------------------------------

    def demo_chat_title(self) -> str:
        return "\n在聊天中（离线演示：进程内的 Bot API，临时数据库，不需要令牌，不联网）："

    def demo_chat_speaker(self, name: str, role: str) -> str:
        return f"{name}（{role}）"

    def demo_chat_others(self, messages: int) -> str:
        return f"……（另推送 {messages} 条：每名执法人员只收到自己的任务，其他人一概不知）"

    def demo_chat_more(self, count: int) -> str:
        return f"…（共 {count} 个按钮）"

    # --- issue 16: directories in chat ------------------------------------------------------

    def kind_label(self, kind: str) -> str:
        return {"targets": "检查对象", "inspectors": "执法人员", "experts": "专家"}.get(
            kind, "抽查事项"
        )

    def import_not_admin(self) -> str:
        return "只有管理员可以导入名录库或下载模板。"

    def import_kind_not_allowed(self, kind: str) -> str:
        return f"{self.kind_name(kind)}由市局统一维护，区县管理员不能导入。"

    def import_send_file(self, kind: str | None) -> str:
        which = f"（{self.kind_name(kind)}）" if kind else ""
        return f"请发送要导入的 .xlsx 文件{which}。全部检查通过才写入，有错误则一行也不写入。发送 /cancel 放弃。"

    def import_ask_kind(self) -> str:
        return "从表头看不出这是哪个名录库，请选择："

    def import_started(self, kind: str) -> str:
        return f"正在检查{self.kind_name(kind)}……"

    def import_progress(self, kind: str, done: int, total: int) -> str:
        of = f" / {total}" if total else ""
        return f"正在检查{self.kind_name(kind)}：已读 {done}{of} 行……"

    def import_more_problems(self, count: int) -> str:
        return f"……另有 {count} 处，见错误标注表。"

    def import_errors_caption(self) -> str:
        return "错误标注表：每行的问题写在最后一列“错误”中，改正后重新发送整张表。"

    def import_errors_file(self, kind: str) -> str:
        return f"{self.kind_name(kind)}-错误标注.xlsx"

    def template_usage(self) -> str:
        return "用法：/template 类别（targets 检查对象、inspectors 执法人员、experts 专家、items 抽查事项）"

    def template_file(self, kind: str) -> str:
        return f"{self.kind_name(kind)}模板.xlsx"

    def progress_rows(self) -> str:
        return "行"

    def progress_draw(self) -> str:
        return "抽取"

    def progress_steps(self) -> str:
        return "步"

    def template_caption(self, kind: str) -> str:
        return f"{self.kind_name(kind)}空白模板：黄色表头为必填列。填好后发送 /import，再发送文件。"

    # --- issue 16: command line ----------------------------------------------------------

    def too_many_deactivated(self, kind: str, would: int, active: int, limit: str) -> str:
        return (
            f"{self.kind_name(kind)}未导入：按 --deactivate-missing 将停用 {would} 条"
            f"（现有在用 {active} 条），超过允许的比例 {limit}（[storage] max_deactivate_share），"
            f"未写入任何数据。请检查文件是否完整；确需停用这么多，请加 --force 重新导入。"
        )

    def demo_next_steps(self, admins: list[tuple[str, str]]) -> list[str]:
        """After `demo`: the city admins (name, 执法证号) and the commands to go live."""
        first = admins[0][1] if admins else "执法证号"
        steps = [
            (f"shuangsuiji invite {first}", "生成一次性邀请码"),
            ("export TELEGRAM_BOT_TOKEN=…", "或在 config.toml 的 [telegram] token 中设置"),
            ("shuangsuiji run", "启动机器人；管理员向机器人发送 /start 邀请码"),
        ]
        width = max(len(command) for command, _ in steps) + 2
        return [
            "市级管理员（先邀请其中一位，再由他在聊天中用 /invite 邀请其他人）：",
            *(f"  {name}  执法证号 {cert}" for name, cert in admins),
            "",
            "下一步：",
            *(f"  {n}. {c.ljust(width)}{why}" for n, (c, why) in enumerate(steps, start=1)),
        ]

    # --- issue 16: free text and waiting forms ---

    def text_too_long(self, length: int, limit: int) -> str:
        return f"内容过长（{length} 字），最多 {limit} 字。未作任何处理，请精简后重新发送。"

    def recusal_lapsed(self, target_name: str, minutes: int) -> str:
        about = f"（{target_name}）" if target_name else ""
        return (
            f"回避申请{about}超过 {minutes} 分钟未收到原因，已自动取消，这条消息不作为回避原因。"
            "如仍需回避，请在任务上重新点「申请回避」。"
        )

    def recusal_dropped(self, target_name: str) -> str:
        about = f"（{target_name}）" if target_name else ""
        return f"回避申请{about}已取消：收到了命令而不是回避原因。如仍需回避，请在任务上重新点「申请回避」。"

    def edited_ignored(self) -> str:
        return "修改过的消息不会被处理。如需更正，请重新发送一条新消息。"

    def wrong_code_limit(self, minutes: int) -> str:
        return f"邀请码错误次数过多，{minutes} 分钟内不再回复邀请码。请向管理员核对邀请码。"

    # --- issue 16: outbox delivery ---

    def undelivered(self, recipient: str, lost: str, reason: str) -> str:
        return (
            f"【消息未送达】Telegram 拒收了发给{recipient}的{lost}（{reason}），"
            "不会再发送，请通过其他方式通知。"
        )

    def undelivered_recipient(self, name: str | None, cert_no: str | None, chat_id: int) -> str:
        return f"{name}（{cert_no}）" if name else f"Telegram 会话 {chat_id}"

    def lost_part(self, kind: str, detail: str) -> str:
        return {
            "message": f"消息“{detail}”",
            "record": f"抽取记录（{detail} 号）",
            "location": "位置",
            "photo": "现场照片",
            "chart": "统计图",  # issue 11: charts
            "media_group": "现场照片（一组）",
        }.get(kind, kind)

    # --- issue 12: the bot's own guide in answers ---

    def qa_guide_passage(self, section: str, title: str, text: str) -> str:
        """A passage of the bot's guide: cited as 《使用说明》 and its section, and said to be
        how the bot works, not a rule."""
        heading = f"{section} {title}".strip()
        return f"《使用说明》{heading}（本机器人的用法，不是政策规定）：\n{text}"

    # --- issue 15: results and evidence ---

    _IMAGE_REFUSALS: ClassVar[dict[str, str]] = {
        "not_image": "这不是图片文件，未保存。请发送照片，或以文件方式发送 JPEG/PNG 原图。",
        "truncated": "图片不完整或已损坏，无法打开，未保存。请重新拍摄或重新发送。",
        "bomb": "图片像素数异常庞大，疑似恶意文件，已拒绝。",
        "too_large": "图片过大（{size}），上限为 {limit}，未保存。请压缩后或以照片方式发送。",
        "unsupported": "不支持这种图片格式，未保存。请发送 JPEG、PNG、WebP 或 GIF。",
    }

    def result_state(self, state: ResultState) -> str:
        return {
            ResultState.SUBMITTED: "已提交",
            ResultState.OBJECTED: "有异议退回",
            ResultState.PENDING_REVIEW: "待审核",
            ResultState.RETURNED: "审核退回",
            ResultState.PASSED: "通过",
        }[state]

    def image_refused(self, kind: str, size: int = 0, limit: int = 0) -> str:
        template = self._IMAGE_REFUSALS.get(kind, self._IMAGE_REFUSALS["not_image"])
        return template.format(size=self.megabytes(size), limit=self.megabytes(limit))

    def megabytes(self, size: int) -> str:
        return f"{size / 1024 / 1024:.1f} MB"

    def results_none(self) -> str:
        return "没有符合条件的检查结果。"

    def result_heading(
        self, result_id: int, assignment_id: int, quarter: str, target: str, state: str
    ) -> str:
        return f"结果 {result_id} · 任务 {assignment_id} · {quarter} · {target} · {state}"

    def result_category_line(self, category: str) -> str:
        return f"  结论：{category}"

    def result_checkin_line(
        self, distance_m: float | None, located: bool, flagged: bool, reason: str
    ) -> str:
        if not located:
            where = f"无法定位（{reason}）" if reason else "无法定位"
        elif distance_m is None:
            where = "已定位（检查对象无坐标，未计算距离）"
        else:
            where = f"距检查对象 {distance_m:.0f} 米"
        return f"  签到：{where}" + ("，已标记" if flagged else "")

    def result_item_line(self, code: str, answer: str, note: str) -> str:
        return f"  事项 {code}：{answer}" + (f"（{note}）" if note else "")

    def result_findings_line(self, findings: str) -> str:
        return f"  发现的问题：{findings}"

    def result_evidence_line(self, photos: int, documents: int) -> str:
        return f"  证据：{photos + documents} 份（照片 {photos}，原图文件 {documents}）"

    def result_follow_up_line(self, kind: str, deadline: str | None, agency: str | None) -> str:
        detail = f"，期限 {deadline}" if deadline else ""
        detail += f"，移交 {agency}" if agency else ""
        return f"  后续处理：{kind}{detail}"

    def result_submitted_line(self, cert_no: str, at: str) -> str:
        return f"  提交：{cert_no}，{at}"

    def evidence_intact(self, count: int) -> str:
        return f"证据文件完好：{count} 份，哈希均与数据库一致。"

    def evidence_missing(self, path: str) -> str:
        return f"缺失：{path}"

    def evidence_altered(self, path: str) -> str:
        return f"已被改动（哈希不符）：{path}"

    def evidence_damaged(self, checked: int, missing: int, altered: int) -> str:
        return f"证据文件核验未通过：共 {checked} 份，缺失 {missing} 份，被改动 {altered} 份。"

    # --- issue 15: inspection form ---

    # Prompts, labels, buttons and refusals of the form engine (spotcheck/form.py) and of the
    # inspection result form (spotcheck/inspection.py), by catalogue key; ``{name}`` fields
    # are filled by form_text's keywords (``item``: the inspection item's name …).
    FORM_TEXTS: ClassVar[dict[str, str]] = {
        "form.skip": "跳过/无",
        "form.none": "无",
        "form.done": "完成",
        "form.submit": "提交",
        "form.edit": "修改",
        "form.back": "返回",
        "form.pick": "请点选下方的按钮。",
        "form.pick_one": "请至少选择一项，再点「完成」。",
        "form.photos": "请发送照片（或图片文件），发完后点「完成」。",
        "form.photos_needed": "至少需要 {least} 张照片：请继续发送，再点「完成」。",
        "form.location": "请点「发送当前位置」发送位置，或点「无法定位」。",
        "form.text": "请输入文字。",
        "form.text_empty": "内容不能为空，请重新输入。",
        "form.text_long": "内容过长（{length} 字），最多 {limit} 字，请精简后重新发送。",
        "form.number": "请输入数字（阿拉伯数字）。",
        "form.number_range": "数字应在 {low} 到 {high} 之间。",
        "form.date": "日期格式不对：请点选按钮，或输入如 2025-03-07、2025-3-7、2025年3月7日。",
        "inspection.start": "开始检查",
        "inspection.send_location": "发送当前位置",
        "inspection.unlocated": "无法定位",
        "inspection.ask_checkin": "第 1 步 现场签到：请点「发送当前位置」；确实无法定位请点「无法定位」。",
        "inspection.checkin": "现场签到",
        "inspection.ask_unlocated_reason": "请简要说明无法定位的原因：",
        "inspection.unlocated_reason": "无法定位原因",
        "inspection.ask_item": "检查事项「{item}」：检查结果？",
        "inspection.item": "检查事项",
        "inspection.ask_note": "「{item}」发现的问题（简要说明，必填）：",
        "inspection.note": "问题说明",
        "inspection.ask_findings": "请填写检查发现（现场情况、存在的问题）：",
        "inspection.findings": "检查发现",
        "inspection.ask_photos": "请发送现场照片（可多张，原图请以文件发送），发完点「完成」：",
        "inspection.photos": "现场照片（张）",
        "inspection.ask_category": "请选择检查结果类别：",
        "inspection.category": "检查结果",
        "inspection.ask_follow_up": "请选择后续处置（可多选），选好后点「完成」：",
        "inspection.follow_up": "后续处置",
        "inspection.ask_deadline": "请选择整改期限，或输入日期（如 2025-03-07）：",
        "inspection.deadline": "整改期限",
        "inspection.ask_agency": "请输入移交的主管部门名称：",
        "inspection.agency": "移交部门",
        "inspection.days_7": "7天",
        "inspection.days_15": "15天",
        "inspection.days_30": "30天",
        "inspection.category_disagrees": "结果类别与检查事项不符：有事项发现问题时不能选「未发现问题」，没有时不能选「发现问题…」。",
        "inspection.deadline_past": "整改期限应在检查日之后。",
        "item_answer.ok": "未发现问题",
        "item_answer.problem": "发现问题",
        "item_answer.not_applicable": "不涉及",
        "category.none": "未发现问题",
        "category.problem_rectified": "发现问题已责令改正",
        "category.problem_pending": "发现问题待后续处理",
        "category.refused": "不予配合检查情节严重",
        "category.not_found": "查无下落",
        "category.closed": "已关闭停业",
        "follow_up.rectify": "责令整改",
        "follow_up.case": "立案查处",
        "follow_up.transfer": "移交",
        "follow_up.judicial": "涉嫌犯罪移送司法机关",
        # --- issue 10: follow-ups (办结) ---
        "closing.ask_note": "请输入办结说明（整改落实、立案、移交等办理情况）：",
        "closing.note": "办结说明",
        "closing.ask_photos": "请发送整改后的现场照片（至少一张），发完点「完成」：",
        "closing.photos": "整改照片",
    }

    def form_text(self, key: str, **values: object) -> str:
        """The words of a form's catalogue key (the key itself when there are none: a bug, shown
        rather than hidden); missing fields are left empty."""
        template = self.FORM_TEXTS.get(key) or Texts.FORM_TEXTS.get(key, key)
        return template.format_map(_Fields(values))

    def category_name(self, category: ResultCategory) -> str:
        return self.form_text(f"category.{category.value}")

    def item_answer_name(self, answer: ItemAnswer) -> str:
        return self.form_text(f"item_answer.{answer.value}")

    def follow_up_name(self, kind: FollowUpKind) -> str:
        return self.form_text(f"follow_up.{kind.value}")

    def start_inspection_button(self) -> str:
        return self.form_text("inspection.start")

    def send_location_button(self) -> str:
        return self.form_text("inspection.send_location")

    # --- issue 15: inspection flow ---

    def inspection_heading(self, target: str) -> str:
        return f"【现场检查】{target}"

    def inspection_resumed(self, target: str) -> str:
        return f"继续填写「{target}」的检查表："

    def inspection_not_accepted(self, target: str) -> str:
        return f"请先接受任务「{target}」，再开始检查。"

    def inspection_already_submitted(self, target: str) -> str:
        return f"「{target}」的检查结果已提交，不能再修改。"

    def inspection_held(self, target: str, name: str) -> str:
        return f"「{target}」的检查表正由 {name} 填写：同一任务只能由一人填写。"

    def inspection_other_open(self, target: str) -> str:
        return (
            f"您还有一份未完成的检查表（{target}）：请先填完并提交，"
            "或发送 /cancel 放弃它，再开始新的检查。发送 /resume 继续填写。"
        )

    def checkin_distance(self, distance_m: float, radius_m: int, flagged: bool) -> str:
        if flagged:
            return (
                f"⚠️ 您距检查对象 {distance_m:.0f} 米，超出 {radius_m} 米的签到范围："
                "已记录，检查结果将被标记。"
            )
        return f"已签到：距检查对象 {distance_m:.0f} 米。"

    def checkin_no_coordinates(self) -> str:
        return "已记录您的位置；该检查对象没有坐标，无法计算距离。"

    def checkin_unlocated(self) -> str:
        return "已记录：无法定位（检查结果将被标记）。"

    def photo_received(self, count: int) -> str:
        return f"已收到第 {count} 张照片。"

    def photo_again(self, count: int) -> str:
        return f"这张照片已收到过，不重复保存（共 {count} 张）。"

    def photos_so_far(self, count: int) -> str:
        return f"已收到 {count} 张照片。"

    def photo_not_expected(self) -> str:
        return "现在不需要照片：检查表问到「现场照片」时再发送。未保存。"

    def location_not_expected(self) -> str:
        return "现在不需要位置。"

    def review_heading(self) -> str:
        return "请核对检查结果，无误后点「提交」；需要更改的，点「修改」再点对应的序号："

    def review_line(self, number: int, label: str, shown: str, item: str) -> str:
        return f"{number}. {label}（{item}）：{shown}" if item else f"{number}. {label}：{shown}"

    def edit_button(self, number: int) -> str:
        return f"修改 {number}"

    def inspection_submitted(self, target: str) -> str:
        return f"检查结果已提交：{target}。状态：已提交。提交后不能再修改。"

    def inspection_result_exists(self, target: str) -> str:
        return f"「{target}」已有检查结果（可能由同组其他成员提交），本次未提交。"

    def inspection_cancel_ask(self, target: str) -> str:
        return (
            f"确定放弃「{target}」的检查表草稿吗？已填写的答案将被删除；已发送的照片作为证据保留。"
        )

    def discard_draft_button(self) -> str:
        return "放弃草稿"

    def keep_draft_button(self) -> str:
        return "继续填写"

    def inspection_discarded(self, target: str) -> str:
        return f"已放弃「{target}」的检查表草稿（已发送的照片仍作为证据保留）。"

    def report_none(self) -> str:
        return "您没有待填写检查结果的任务（已接受、尚未提交的）。"

    def report_list(self) -> str:
        return "待填写检查结果的任务："

    def report_button(self, target: str, mine: bool) -> str:
        return f"继续填写：{target}" if mine else f"开始检查：{target}"

    def resume_none(self) -> str:
        return "您没有未完成的表单。"

    def chosen_mark(self, label: str) -> str:
        return f"✓ {label}"

    # --- issue 15: result cards, task states, draft expiry ---

    def card_head(
        self,
        target_name: str,
        credit_code: str,
        task: int,
        quarter: str,
        state: str = "已提交",
        version: int = 1,
    ) -> str:
        again = f" · 第 {version} 版" if version > 1 else ""
        return (
            f"【检查结果】{target_name}（{credit_code}）\n任务 {task} · {quarter} · {state}{again}"
        )

    def card_category(self, category: str) -> str:
        return f"结论：{category}"

    def card_checkin(
        self,
        distance_m: float | None,
        located: bool,
        flagged: bool,
        reason: str,
        radius_m: float,
    ) -> str:
        if not located:
            return f"签到：无法定位（{reason or '未说明原因'}），已标记"
        if distance_m is None:
            return "签到：已记录位置（检查对象无坐标，未计算距离）"
        if flagged:
            return f"签到：距检查对象 {distance_m:.0f} 米，超出 {radius_m:.0f} 米，已标记"
        return f"签到：距检查对象 {distance_m:.0f} 米"

    def card_items_head(self) -> str:
        return "检查事项："

    def card_item(self, name: str, answer: str, note: str) -> str:
        return f"· {name}：{answer}" + (f"（{note}）" if note else "")

    def card_findings(self, findings: str) -> str:
        return f"检查发现：{findings}"

    def card_photos(self, count: int) -> str:
        return f"照片：{count} 张" if count else "照片：无"

    def card_photo(
        self, i: int, taken: str | None, gps: tuple[float, float] | None, original: bool, note: str
    ) -> str:
        facts = []
        if taken:
            facts.append(f"拍摄于 {taken}")
        if gps:
            facts.append(f"GPS {gps[0]:.5f}, {gps[1]:.5f}")
        if not facts:
            facts.append("原图无拍摄信息" if original else "照片无拍摄信息（经 Telegram 压缩）")
        return f"  {i}. " + "，".join(facts) + (f"；{note}" if note else "")

    def card_follow_ups_head(self) -> str:
        return "后续处理："

    def card_follow_up(self, kind: str, deadline: str | None, agency: str | None) -> str:
        detail = f"，期限 {deadline}" if deadline else ""
        detail += f"：{agency}" if agency else ""
        return f"· {kind}{detail}"

    def card_submitted(self, name: str, cert_no: str, at: str) -> str:
        return f"提交人：{name}（{cert_no}），{at}"

    def draft_warning(self, target_name: str, idle_hours: int, expires_at: str) -> str:
        return (
            f"您的检查草稿（{target_name}）已 {idle_hours} 小时未填写，将于 {expires_at} 过期；"
            "发送 /resume 继续。"
        )

    def draft_expired(self, target_name: str, idle_hours: int, photos: int) -> str:
        kept = f"已收到的 {photos} 张照片仍作为证据保存。" if photos else ""
        return (
            f"您的检查草稿（{target_name}）已 {idle_hours} 小时未填写，已过期作废。{kept}"
            "如需继续检查，请在任务上重新点「开始检查」。"
        )

    # --- issue 15: the /draw and 申请回避 forms on the form engine ---

    _DRAW_PROMPTS: ClassVar[dict[str, str]] = {
        "quarter": "选择季度",
        "level": "选择层级",
        "region": "选择区县",
        "class": "选择监管类别",
        "tag": "定向抽取？选择标签，或“不定向”",
        "seed": "随机种子。点“服务器随机”，或直接发送事先公布的公开文本（如彩票开奖号码）",
        "seed_text": "请发送事先公布的公开文本（如彩票开奖号码）",
    }

    def draw_ask(self, step: int, key: str) -> str:
        """The /draw question ``key``, numbered as the form declares it."""
        return f"第 {step} 步：{self._DRAW_PROMPTS[key]}"

    def draw_option(
        self, regions: CityRegions, key: str, code: str, answers: dict[str, Any]
    ) -> str:
        """A /draw button's words: list options carry an index into the draft's givens."""
        if key == "quarter":
            return str(answers["quarters"][int(code)])
        if key == "level":
            return self.level_name(code)
        if key == "region":
            return self.region_name(regions, answers["counties"][int(code)])
        if key == "class":
            return "全部类别" if code == "all" else self.class_short(code)
        if key == "tag":
            return "不定向" if code == "all" else str(answers["tags"][int(code)])
        if key == "seed":
            return {"server": "服务器随机", "text": "公开文本"}[code]
        if key == "preview":
            return {"confirm": "确认抽取", "cancel": "取消"}[code]
        return code

    # --- issue 15: review fixes (recusal, check-in) ---

    def inspection_draft_withdrawn(self, target_name: str) -> str:
        return (
            f"您已不在「{target_name}」的检查组，您的检查表草稿已作废"
            "（已发送的照片仍作为证据保存），改由接替人员填写。"
        )

    def checkin_forwarded(self) -> str:
        return "转发的位置不能作为现场签到。请在现场点下方「发送当前位置」。"

    def card_checked_in_at(self, at: str) -> str:
        return f"签到时间：{at}"

    # --- issue 10: two-person confirmation and the review chain ---

    def confirm_button(self) -> str:
        return "确认"

    def object_button(self) -> str:
        return "有异议"

    def pass_button(self) -> str:
        return "通过"

    def return_button(self) -> str:
        return "退回"

    def confirm_prompt(self, target_name: str, version: int) -> str:
        again = f"（第 {version} 版）" if version > 1 else ""
        return f"请核对同组提交的「{target_name}」检查结果{again}：无误请点「确认」，有问题请点「有异议」并写明理由。"

    def review_prompt(self, target_name: str, version: int) -> str:
        again = f"（第 {version} 版）" if version > 1 else ""
        return f"【待审核】「{target_name}」检查结果{again}请审核：「通过」或「退回」（退回需写明理由）。"

    def confirm_progress(
        self, target_name: str, done: list[str], waiting: list[str], state: ResultState
    ) -> str:
        line = f"确认进度（{target_name}）：已确认 {'、'.join(done) or '无'}"
        if waiting:
            line += f"；未确认 {'、'.join(waiting)}"
        if state is ResultState.PENDING_REVIEW:
            line += "。已送审核。"
        return line + ("" if line.endswith("。") else "。")

    def confirmed(self, target_name: str, state: ResultState) -> str:
        sent = "，已送审核" if state is ResultState.PENDING_REVIEW else ""
        return f"已确认「{target_name}」的检查结果{sent}。"

    def reason_ask(self, target_name: str, returning: bool, minutes: int) -> str:
        what = "退回" if returning else "有异议"
        return f"{what}：「{target_name}」。请在 {minutes} 分钟内直接回复理由；发送 /cancel 放弃。"

    def result_passed(self, target_name: str, reviewer: str) -> str:
        return f"【审核通过】「{target_name}」的检查结果已由 {reviewer} 审核通过。"

    def passed_done(self, target_name: str) -> str:
        return f"已通过「{target_name}」的检查结果。"

    def result_sent_back(self, target_name: str, who: str, reason: str, to: ResultState) -> str:
        what = "审核退回" if to is ResultState.RETURNED else "提出异议"
        return (
            f"「{target_name}」的检查结果被 {who} {what}（{reason}），已退回提交人修改后重新提交。"
        )

    def result_sent_back_to_submitter(
        self, target_name: str, who: str, reason: str, to: ResultState, reopened: bool
    ) -> str:
        what = "审核退回" if to is ResultState.RETURNED else "提出异议"
        how = (
            "您的检查表已重新打开（保留原填写内容），发送 /resume 查看、修改后再次提交。"
            if reopened
            else "检查表未能自动打开：如您仍在检查组，请先完成或 /cancel 正在填写的其他检查表，再在 /report 中继续（保留原填写内容）。"
        )
        return f"【{what}】「{target_name}」的检查结果被 {who} {what}：{reason}\n{how}"

    def sent_back_done(self, target_name: str, to: ResultState) -> str:
        what = "审核退回" if to is ResultState.RETURNED else "提出异议"
        return f"已{what}「{target_name}」的检查结果，提交人已收到通知。"

    def reason_lapsed(self, target_name: str, minutes: int) -> str:
        return f"「{target_name}」的理由超过 {minutes} 分钟未填写，已作废，本条消息未作为理由。请重新点按钮。"

    # --- issue 10: stages everywhere ---

    def task_stage(self, state: TaskState) -> str:
        return {
            TaskState.TO_ACCEPT: "待接受",
            TaskState.ACCEPTED: "已接受",
            TaskState.INSPECTING: "检查中",
            TaskState.SUBMITTED: "已提交",
            TaskState.PENDING_REVIEW: "待审核",
            TaskState.RETURNED: "退回",
            TaskState.PASSED: "通过",
        }[state]

    def stage_counts(self, counts: StageCounts) -> str:
        """Every stage with its count, then the follow-ups open and overdue."""
        stages = " · ".join(f"{self.task_stage(s)} {n}" for s, n in counts.stages)
        return (
            f"阶段：{stages}\n后续处置：未完结 {counts.open_follow_ups}，"
            f"逾期 {counts.overdue_follow_ups}"
        )

    def county_stages(self, counts: StageCounts) -> str:
        return f"本区县对象现场检查（市、县两级）{counts.total} 家\n{self.stage_counts(counts)}"

    def statistics_numbers(self, quarter: str, counts: StageCounts) -> str:
        return f"本区县 {quarter} 现场检查 {counts.total} 家\n{self.stage_counts(counts)}"

    # --- issue 10: follow-ups ---

    def close_follow_up_button(self) -> str:
        return "办结"

    def follow_up_line(
        self,
        target_name: str,
        kind: FollowUpKind,
        deadline: date | None,
        agency: str | None,
        today: date,
    ) -> str:
        head = f"【后续处理】{target_name}\n{self.follow_up_name(kind)}"
        if agency:
            head += f"：{agency}"
        if deadline is None:
            return head
        left = (deadline - today).days
        when = f"还有 {left} 天" if left > 0 else "今天到期" if left == 0 else f"已逾期 {-left} 天"
        return f"{head}，期限 {deadline.isoformat()}（{when}）"

    def follow_ups_none(self) -> str:
        return "您没有未完结的后续处理。"

    def follow_ups_heading(self, count: int, shown: int) -> str:
        more = f"（先列出 {shown} 项）" if shown < count else ""
        return f"您有 {count} 项未完结的后续处理{more}。办理完毕后点「办结」："

    def closing_heading(self, target_name: str, kind: FollowUpKind, resumed: bool) -> str:
        head = "继续办结" if resumed else "办结"
        return f"{head}：{target_name} · {self.follow_up_name(kind)}"

    def closing_confirm(self, target_name: str, kind: FollowUpKind, note: str) -> str:
        return (
            f"请核对：{target_name} · {self.follow_up_name(kind)}\n"
            f"办结说明：{note}\n确认无误后点「完成」。"
        )

    def correction_photo_received(self, count: int) -> str:
        return f"已收到第 {count} 张整改照片。发完点「完成」。"

    def correction_photo_again(self, count: int) -> str:
        return f"这张整改照片已收到过，不重复保存（共 {count} 张）。"

    def not_a_correction(self) -> str:
        return "这张照片是现场检查时留存的证据，不能作为整改照片。请发送整改后拍摄的照片。未保存。"

    def follow_up_closed(self, target_name: str, kind: FollowUpKind, photos: int) -> str:
        kept = f"，整改照片 {photos} 张已存档" if photos else ""
        return f"已办结：{target_name} · {self.follow_up_name(kind)}{kept}。"

    def follow_up_already_closed(self) -> str:
        return "该后续处理已办结，无需重复操作。"

    def follow_up_held(self, name: str) -> str:
        return f"{name or '检查组其他成员'} 正在办结该后续处理。"

    def follow_up_reminder(self, target_name: str, deadline: date, days_left: int) -> str:
        when = (
            f"今天是整改期限（{deadline.isoformat()}）"
            if days_left == 0
            else f"整改期限为 {deadline.isoformat()}（还有 {days_left} 天）"
        )
        return f"【整改提醒】{target_name}：{when}。整改落实后请点「办结」。"

    def follow_up_overdue(
        self, county_name: str, target_name: str, deadline: date, days_late: int
    ) -> str:
        return (
            f"【整改逾期】{county_name}：{target_name} 的责令整改已过期限 {deadline.isoformat()}"
            f"（逾期 {days_late} 天），尚未办结。"
        )

    # --- issue 10: results waiting for review ---

    def review_reminder(self, target_name: str, version: int, waited: int) -> str:
        again = f"（第 {version} 版）" if version > 1 else ""
        return (
            f"【待审核提醒】「{target_name}」的检查结果{again}已等待审核 {waited} 个工作日，"
            "请在审核卡片上点「通过」或「退回」。"
        )

    def review_escalation(self, county_name: str, target_name: str, who: str, waited: int) -> str:
        return (
            f"【审核逾期】{county_name}：「{target_name}」的检查结果已等待审核 {waited} 个工作日，"
            f"审核人：{who}。请督促审核。"
        )

    # --- issue 10: amendments ---

    def amend_button(self) -> str:
        return "更正"

    def amend_hint(self) -> str:
        return "结果已生效，不再原处修改。如需更正，点「更正」并写明理由：更正作为新版本重新确认、审核，原结果保留。"

    def amend_reason_ask(self, target_name: str, minutes: int) -> str:
        return (
            f"更正：「{target_name}」。请在 {minutes} 分钟内直接回复更正理由（改什么、为什么）；"
            "发送 /cancel 放弃。"
        )

    def amend_draft_open(self, target_name: str) -> str:
        return (
            f"您还有「{target_name}」的检查表未提交（/resume 查看）。"
            "请先提交，或发送 /cancel 放弃，再更正。"
        )

    def amend_opened(self, target_name: str, version: int) -> str:
        return (
            f"已按第 {version} 版打开「{target_name}」的检查表作为更正：修改后点「提交」，"
            f"将作为第 {version + 1} 版重新确认、审核；第 {version} 版保留不变。"
        )

    def amending_line(self, reason: str) -> str:
        return f"【更正】理由：{reason}"

    def card_amendment(self, version: int, reason: str) -> str:
        return f"更正（第 {version} 版）：{reason}\n第 {version - 1} 版审核通过，保留不变。"

    # --- issue 11: charts ---

    def chart_title(self, where: str, quarter: str) -> str:
        return f"{where} {quarter} 双随机抽查完成情况"

    def chart_subtitle_city(self, day: date) -> str:
        return f"截至 {day.isoformat()} · 各区县的县级抽查（各类别合计），末行为市级抽查"

    def chart_subtitle_county(self, day: date) -> str:
        return f"截至 {day.isoformat()} · 本区县县级抽查，按监管类别"

    def chart_legend(self) -> tuple[str, str, str]:
        """What the dark bar, the pale bar and the red line are."""
        return ("已通过（完成率 = 已通过 ÷ 应抽数）", "已抽数", "应抽数（100%）")

    def chart_city_level(self) -> str:
        return "市级抽查"

    def chart_note(self, passed: int, drawn: int, minimum: int) -> str:
        if minimum == 0:
            return f"无应抽任务 · 已抽 {drawn}" if drawn else "无应抽任务"
        share = _floor_percent(Fraction(passed, minimum))
        return f"已通过 {passed}/{minimum}（{share}）· 已抽 {drawn}"

    def city_digest(
        self,
        city: str,
        quarter: str,
        county_level: Tally,
        city_level: Tally,
        unmet: list[str],
        checks: list[RatioCheck],
    ) -> str:
        """The city admins' weekly digest: both levels' totals, the follow-ups, the quota rows
        not met (named, the first few), and the plan's ratio checks."""
        both = county_level + city_level
        lines = [
            f"【周报】{city} {quarter} 双随机抽查进度",
            self._level_line("县级（各区县）", county_level),
            self._level_line("市级", city_level),
            f"发现问题 {both.problems} · 责令改正 {both.rectify} · 立案查处 {both.case} · "
            f"移交 {both.transfer} · 未完结整改 {both.open_rectify}",
        ]
        quota = sum(1 for c in checks if c.rule is Rule.QUOTA)
        if unmet:
            shown = "、".join(unmet[:8]) + (f" 等 {len(unmet)} 项" if len(unmet) > 8 else "")
            lines.append(f"配额（已抽数 ≥ 应抽数）：{quota} 项中 {len(unmet)} 项未达标：{shown}")
        elif quota:
            lines.append(f"配额（已抽数 ≥ 应抽数）：{quota} 项均达标")
        lines += [self._share_line(c) for c in checks if c.rule is not Rule.QUOTA]
        return "\n".join(lines)

    def _level_line(self, level: str, tally: Tally) -> str:
        rate = "—" if tally.completion is None else _floor_percent(tally.completion)
        return (
            f"{level}：应抽 {tally.minimum} · 已抽 {tally.drawn} · 已通过 {tally.passed} · "
            f"完成率 {rate}"
        )

    def _share_line(self, check: RatioCheck) -> str:
        name = self.ratio_rule(check.rule)
        bound = "应为" if check.rule is Rule.OFFSITE else "不低于"
        bound = f"{bound} {self.percent(check.threshold)}"
        if check.ratio is None:
            return f"{name}：无可计（{bound}）"
        verdict = self.ratio_met(check.met)
        share = _floor_percent(check.ratio)
        return f"{name} {check.part}/{check.whole} = {share}（{bound}）{verdict}"

    def quota_row(self, regions: CityRegions, check: RatioCheck) -> str:
        """A quota check's row: 竞秀区 重点, or 市级 特殊."""
        where = (
            self.level_name("city")
            if check.region is None
            else self.region_name(regions, check.region)
        )
        cls = check.supervision_class.value if check.supervision_class else None
        return f"{where} {self.class_short(cls)}"

    def chart_font_problem(self, problem: FontProblem, path: str, missing: str) -> str:
        """Told once to the city admins: why the digests come without their chart."""
        fix = f"请安装字体包：apt-get install {FONT_PACKAGE}"
        if problem is FontProblem.NONE_FOUND:
            why = "服务器上没有能显示中文的字体"
            fix += "（或在配置 [charts] font 中指定一个中文字体文件）"
        elif problem is FontProblem.UNREADABLE:
            why = f"配置 [charts] font 指定的字体 {path} 无法读取（文件不存在或不是字体）"
            fix = f"请改正该路径，或删去此项并安装字体包：apt-get install {FONT_PACKAGE}"
        else:
            why = f"字体 {path} 缺少这些字的字形：{missing}"
            fix += "，或在配置 [charts] font 中指定字形完整的中文字体"
        return f"【统计图】{why}，周报暂只发文字，不附统计图。{fix}。"

    # --- issue 11: publish ---

    def verify_extract_ok(self, record_id: object) -> str:
        return (
            f"OK：公开摘要 {record_id} 的检查对象抽取与重新计算的结果一致。"
            "执法人员的抽取未公开（名单含执法证号），摘要只有其 SHA-256，这一部分无法由摘要复核。"
        )

    def publish_problem(self, kind: str, details: dict[str, Any]) -> str:
        d = details
        messages = {
            "bad_quarter": f"季度“{d.get('quarter')}”格式不对，应如 2026Q4。",
            "bad_suffix": f"输出文件 {d.get('path')} 应以 .xlsx 或 .csv 结尾。",
            "bad_out": f"无法写入 {d.get('path')}（目录不存在或无权限），未公示。",
            "out_is_dir": f"{d.get('path')} 是一个目录，不是文件，未公示。",
            "bad_dir": f"{d.get('path')} 不是可写的目录，未公示。",
            "write_failed": f"写入 {d.get('path')} 失败（{d.get('error')}），未公示：公示日期没有记录，"
            "可排除问题后重新运行。",
        }
        return messages.get(kind, kind)

    def publish_done(self, quarter: str, results: int, newly: int, path: str) -> str:
        return f"{quarter} 公示结果 {results} 条（其中本次新公示 {newly} 条），已写入 {path}。"

    def publish_workbook_parts(self, items: int, strata: int, records: int) -> str:
        return f"另含抽查事项清单 {items} 项、抽查计划 {strata} 层（抽查记录 {records} 份）。"

    def publish_csv_only_results(self) -> str:
        return "CSV 只含抽查结果；抽查事项清单和抽查计划请用 .xlsx 或 --html 公示。"

    def publish_pages_done(self, quarter: str, results: int, newly: int, path: str) -> str:
        return (
            f"{quarter} 公示页已写入 {path}（结果 {results} 条，其中本次新公示 {newly} 条）："
            "整个目录可原样上传。"
        )

    def public_results_title(self) -> str:
        return "抽查结果公示"

    def public_result_headers(self, include_findings: bool) -> list[str]:
        headers = ["抽查事项", "检查对象", "统一社会信用代码", "检查时间", "检查结果", "处理情况"]
        return [*headers, "公示日期", *(["问题描述"] if include_findings else [])]

    def public_items_joined(self, names: tuple[str, ...]) -> str:
        return "；".join(names)

    def public_follow_ups(self, kinds: tuple[FollowUpKind, ...]) -> str:
        return "、".join(self.follow_up_name(k) for k in kinds) if kinds else "无"

    def public_plans_title(self) -> str:
        return "抽查计划"

    def public_plan_headers(self) -> list[str]:
        return [
            "抽查记录号",
            "抽取日期",
            "层级",
            "区县",
            "监管类别",
            "信用风险等级",
            "检查方式",
            "对象数",
            "抽查比例",
            "等级倍数",
            "应抽数",
            "本季已抽",
            "本次抽取",
            "修订",
            "原因",
        ]

    def public_grade(self, grade: str | None) -> str:
        return f"{grade}级" if grade else "正面清单"

    def public_task_kind(self, kind: str) -> str:
        return "非现场监管" if kind == TaskKind.OFFSITE.value else "现场检查"

    def public_multiplier(self, value: Fraction) -> str:
        """3/2 → 1.5, 2 → 2."""
        return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"

    def public_amends(self, record_id: int | None) -> str:
        return f"修订第 {record_id} 号记录" if record_id is not None else ""

    # The static pages (bot/public_pages): page texts, and the labels the page's script shows.

    def public_site_title(self, city: str) -> str:
        return f"{city}生态环境局“双随机、一公开”抽查结果公示"

    def public_quarter_title(self, quarter: str) -> str:
        return f"{quarter} 抽查结果公示"

    def public_index_intro(self) -> str:
        return "按季度公示随机抽查的结果、抽查事项清单、抽查计划和每次抽取的记录，任何人都可以据记录重新计算抽中了哪些企业。"

    def public_index_empty(self) -> str:
        return "尚无公示。"

    def public_back(self) -> str:
        return "返回公示首页"

    def public_county_column(self) -> str:
        return "区县"

    def public_page_labels(self) -> dict[str, str]:
        """What the page's script writes: ``{shown}`` and ``{total}`` are filled in there."""
        return {
            "search": "搜索企业名称或统一社会信用代码",
            "county": "区县",
            "category": "检查结果",
            "all": "全部",
            "count": "显示 {shown} / {total} 条",
            "none": "没有符合条件的结果。",
        }

    def public_noscript(self) -> str:
        return "结果列表需要浏览器启用 JavaScript；也可以下载下方的 Excel 或 CSV 文件查看。"

    def public_downloads(self) -> str:
        return "下载"

    def public_download_xlsx(self) -> str:
        return "Excel（结果、抽查事项清单、抽查计划）"

    def public_download_csv(self) -> str:
        return "CSV（仅结果）"

    def public_records_title(self) -> str:
        return "抽取记录与复核方法"

    def public_record_headers(self) -> list[str]:
        return [
            "抽查记录号",
            "抽取时间",
            "现场检查",
            "非现场监管",
            "修订",
            "原因",
            "公开摘要",
            "SHA-256",
        ]

    def public_seed_line(self, record_id: int, value: str, public_text: str | None) -> str:
        text = f"，公开文本“{public_text}”" if public_text is not None else ""
        return f"第 {record_id} 号记录的种子 {value}{text}"

    def public_verify_steps(self) -> list[str]:
        return [
            "每次抽取由事先确定的种子和抽取时的检查对象名录唯一决定，任何人都可以重新计算。",
            "下载上表中的“公开摘要”（JSON 文件），用 shuangsuiji 工具运行："
            "shuangsuiji verify 文件名.json。显示“OK”即表示按摘要中的名录、抽查比例和种子重新计算，"
            "抽中的企业与记录一致；否则显示第一处不一致的位置。",
            '不用本工具也可以复核：种子 = SHA-256("shuangsuiji-seed-v1" ‖ 0x00 ‖ 服务器熵 ‖ 0x00 ‖ '
            "公开文本)；同一层（strata 中的 id）中每家企业的排序键 = HMAC-SHA256(种子, 层编号 ‖ 0x00 ‖ "
            "统一社会信用代码)，按排序键从小到大取“本次抽取”数的企业；正面清单企业全部纳入非现场监管，"
            "不参与抽取；exclusions 中的企业不参与排序。",
            "公开摘要不含执法人员名单和检查组（含执法证号等个人信息），只保留这些名单的 SHA-256；"
            "body_sha256 是完整记录的 SHA-256，供持有完整记录的审计人员核对。",
        ]

    def public_items_none(self) -> str:
        return "尚无抽查事项。"

    def public_plans_none(self) -> str:
        return "本季度尚无抽取记录。"

    # --- issue 11: the statistics workbook, the evaluation and /export ---

    def rate(self, ratio: Fraction | None) -> str:
        """A ratio as the workbook shows it (one decimal, 0.0%); "—" for nothing to divide."""
        if ratio is None:
            return "—"
        percent = Decimal(ratio.numerator) * 100 / ratio.denominator
        return f"{percent.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"  # half up, as Excel does

    def statistics_city_row(self) -> str:
        return "市级（全市）"

    def statistics_total_row(self) -> str:
        return "合计"

    def statistics_scope(self, regions: CityRegions, region: str | None) -> str:
        """What a check over all rows covers: the whole city, or one county."""
        return "全市" if region is None else self.region_name(regions, region)

    def ratio_rule(self, rule: Rule) -> str:
        return {
            Rule.QUOTA: "现场检查应抽数",
            Rule.JOINT: "内部联合抽查占比",
            Rule.CREDIT: "信用风险分类抽查占比",
            Rule.OFFSITE: "正面清单非现场监管覆盖率",
        }[rule]

    def ratio_met(self, met: bool | None) -> str:
        return "—" if met is None else "达标" if met else "未达标"

    def completion_chart(self, quarter: str) -> tuple[str, str]:
        """The bar chart's title and its axis."""
        return f"{quarter} 各区县完成率（已通过 ÷ 应抽数）", "完成率"

    def report_status(self, status: ReportStatus) -> str:
        return {
            ReportStatus.ON_TIME: "按时",
            ReportStatus.LATE: "逾期",
            ReportStatus.MISSING: "未报送",
            ReportStatus.NOT_DUE: "未到期",
        }[status]

    def evaluation_notes(self, weights: Mapping[Criterion, int], today: date) -> list[str]:
        """The scoring rule under the evaluation sheet (spotcheck/evaluation.py)."""
        rules = {
            Criterion.REPORTING: "按时报送：按时报送的总结、统计表 ÷ 已到报送期限的",
            Criterion.QUOTA: "抽查完成：完成率（已通过 ÷ 应抽数，县级），最高 100%",
            Criterion.JOINT: f"内部联合：联合占比 ÷ {self.percent(JOINT_MINIMUM)}，最高 100%",
            Criterion.CREDIT: f"信用分类：信用占比 ÷ {self.percent(CREDIT_MINIMUM)}，最高 100%",
            Criterion.REVIEW: "审核质量：1 − 审核退回 ÷ 审核次数",
            Criterion.EVIDENCE: "取证：1 − 无照片 ÷ 发现问题",
            Criterion.FOLLOW_UPS: "整改督办：1 − 整改逾期 ÷ 限期整改",
            Criterion.PUBLICATION: "一公开：1 − 公示逾期 ÷ 应公示",
        }
        return [
            f"得分 = Σ 权重 × 达成度（满分 100；无可计量的项按满分计），截至 {today.isoformat()}：",
            *(f"{rules[c]}，权重 {weights[c]}" for c in Criterion),
        ]

    def report_file_name(self, quarter: str, scope: str) -> str:
        return f"{quarter}{scope}双随机抽查统计表.xlsx"

    def report_written(self, quarter: str, scope: str, path: str) -> str:
        return f"已写出 {quarter} {scope}双随机抽查统计表：{path}"

    def report_bad_quarter(self, text: str) -> str:
        return f"季度“{text}”无法识别：应写作 2026Q4 这样的形式。未写出任何文件。"

    def report_bad_region(self, code: str) -> str:
        return f"行政区划代码“{code}”不是本市的区县。未写出任何文件。"

    def report_bad_out(self, path: str, reason: str, detail: str = "") -> str:
        why = {
            "suffix": "输出文件名应以 .xlsx 结尾",
            "folder": "所在目录不存在",
            "directory": "这是一个目录，不是文件",
            "unwritable": f"无法写入（{detail}）",
        }[reason]
        return f"无法写出 {path}：{why}。未写出任何文件。"

    def export_problem(self, kind: str, detail: str = "") -> str:
        return {
            "not_admin": "只有市局和区县管理员可以导出统计表。",
            "other_county": "区县管理员只能导出本区县的统计表。",
            "unknown": f"无法识别“{detail}”：请写季度（如 2026Q4）或区县名称、代码，例如 /export 2026Q4 竞秀区。",
        }[kind]

    def export_caption(self, quarter: str, scope: str, today: date) -> str:
        return f"{quarter} {scope}双随机抽查统计表（截至 {today.isoformat()}）"

    def statistics_table_lines(self, quarter: str, rows: list[tuple[str, Tally]]) -> str:
        """A county's rows of the statistics table, as the workbook has them."""
        lines = [f"本区县 {quarter} 统计表（与导出的 Excel 一致）："]
        lines += [
            f"{self.class_short(cls)} 已抽 {t.drawn}/应抽 {t.minimum} · 已通过 {t.passed} · "
            f"完成率 {self.rate(t.completion)}"
            for cls, t in rows
        ]
        return "\n".join(lines)

    # --- issue 11: publish, the draws withheld while the quarter lasts ---

    def public_draws_withheld(self) -> str:
        return "抽取记录（种子与被抽中的检查对象）在本季度结束后公开：检查对象在现场检查前保密。"


def _floor_percent(share: Fraction) -> str:
    """Whole percent, rounded down: 84.6% shows 84%, never the 85% it falls short of."""
    return f"{math.floor(share * 100)}%"


class _Fields(dict[str, object]):
    """format_map's fields: a missing one is empty rather than an error."""

    def __missing__(self, key: str) -> str:
        return ""
