"""Configuration: a TOML file plus environment overrides, validated once at start.

A wrong key or value raises ConfigError with one line that names it; the command line prints
that line instead of a traceback.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.statutory_holidays import statutory_holidays
from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.evaluation import DEFAULT_WEIGHTS, FULL_SCORE, Criterion
from spotcheck.numerals import is_decimal
from spotcheck.quota import GradeMultipliers, Level, Ratios, parse_ratio
from spotcheck.regions import BAODING_CODE, BAODING_COUNTIES, BAODING_NAME, CityRegions
from spotcheck.review import ConfirmPolicy
from spotcheck.workdays import WorkdayCalendar

DEFAULT_CONFIG_PATH = Path("config.toml")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as APScheduler's cron names them
DEFAULT_DATABASE_URL = "sqlite:///shuangsuiji.db"

# Minimum quarterly sampling ratios of the plan (DESIGN.md rule 3), level → class → ratio.
DEFAULT_RATIOS: dict[str, dict[str, str]] = {
    "city": {"special": "10%", "key": "10%", "general": "3%"},
    "county": {"special": "50%", "key": "25%", "general": "3%"},
}


class ConfigError(Exception):
    """One line naming the key and what is wrong with it."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    error_chat_id: int = 0  # a chat that receives error reports; 0 for none
    messages_per_second: float = 29.5  # Telegram allows 30 overall; a margin for clock jitter
    seconds_per_chat: float = 1.0  # and one message per second to one chat
    progress_seconds: float = 2.0  # a long import's progress message is edited this often
    concurrent_updates: int = 64  # updates handled at once (one chat's still in order)


@dataclass(frozen=True)
class StorageConfig:
    evidence_dir: Path = Path("evidence")
    max_import_mb: int = 20
    # `import --deactivate-missing` refuses to deactivate more of the active rows than this
    # (a header-only sheet would empty the directory) unless given --force.
    max_deactivate_share: Fraction = Fraction(1, 5)


@dataclass(frozen=True)
class PolicyConfig:
    ratios: Ratios
    grade_multipliers: GradeMultipliers
    inspectors_per_check: int = 2
    max_checks_per_inspector: int = 40
    cross_region: bool = False
    recheck_exclusion_days: int = 90
    draw_due_days: int = 15


@dataclass(frozen=True)
class CalendarConfig:
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def workdays(self) -> WorkdayCalendar:
        return WorkdayCalendar(self.extra_holidays, self.extra_workdays, statutory_holidays)


@dataclass(frozen=True)
class RemindersConfig:
    lead_workdays: int = 3  # the first reminder, this many working days before a window opens
    send_at: time = time(9, 0)  # reporting reminders and assignments due soon, each morning
    digest_at: time = time(8, 30)  # team leads' daily digest
    weekly_day: str = "mon"  # county admins' weekly quota progress, on this day at digest_at
    due_within_days: int = 3  # inspectors are reminded of assignments due this soon


@dataclass(frozen=True)
class LimitsConfig:
    free_text_chars: int = 500  # a recusal reason, a typed seed, a question: longer is refused
    recusal_wait_minutes: int = 30  # 申请回避 waits this long for its reason, then lapses
    import_wait_minutes: int = 30  # /import waits this long for the file, then lapses
    wrong_codes: int = 5  # wrong /start codes in the window, after which the bot stays silent
    wrong_code_window_minutes: int = 60


@dataclass(frozen=True)
class RetentionConfig:
    """How long finished bookkeeping is kept (push texts are confidential), pruned daily."""

    outbox_days: int = 30  # sent and failed outbox rows (never a pending one)
    handled_updates_days: int = 7  # Telegram redelivers an update for 24 hours at most
    strangers_days: int = 90  # after that a stranger writing again is refused once more
    prune_at: time = time(3, 30)


@dataclass(frozen=True)
class InspectionConfig:
    """The on-site result (检查结果): photo limits, the check-in radius, drafts' lifetime."""

    max_photo_bytes: int = 20 * 1024 * 1024  # a photo or image file larger is refused
    max_photo_pixels: int = 50_000_000  # Pillow's decompression-bomb limit for evidence
    checkin_radius_m: int = 1000  # a check-in farther from the target is flagged
    draft_expiry_hours: int = 72  # an abandoned inspection draft is discarded after this …
    draft_warning_hours: int = 48  # … and its holder warned after this


# --- issue 10: follow-ups ---


@dataclass(frozen=True)
class FollowUpsConfig:
    """后续处理: a 责令整改 is reminded this many days before its deadline, and on the day."""

    remind_days_before: int = 3


# --- issue 11: charts ---


@dataclass(frozen=True)
class ChartsConfig:
    """The weekly digests' chart images: a font file that draws Chinese, or None to look for
    the system's (bot/charts/fonts.py); ``font_index`` picks the face of a .ttc collection."""

    font: Path | None = None
    font_index: int = 0


@dataclass(frozen=True)
class ReviewConfig:
    """The review chain: how many of the other members confirm before review, and when a
    result waiting for review is reminded (reminders are not sent yet: only stored)."""

    confirmations: ConfirmPolicy = ConfirmPolicy.ONE  # "one" other member, or "all" of them
    remind_after_workdays: int = 3


# --- issue 11: publish ---


@dataclass(frozen=True)
class PublishConfig:
    """一公开: the public list shows the result's category and the follow-ups' kinds; the
    findings' text only when the bureau allows it."""

    include_findings: bool = False


@dataclass(frozen=True)
class Config:
    database_url: str
    telegram: TelegramConfig
    storage: StorageConfig
    policy: PolicyConfig
    calendar: CalendarConfig
    regions: CityRegions
    timezone: ZoneInfo
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    invite_ttl_hours: int = 72
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    inspection: InspectionConfig = field(default_factory=InspectionConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    follow_ups: FollowUpsConfig = field(default_factory=FollowUpsConfig)  # issue 10
    charts: ChartsConfig = field(default_factory=ChartsConfig)  # issue 11: charts
    publish: PublishConfig = field(default_factory=PublishConfig)  # issue 11: publish
    evaluation: EvaluationConfig = field(default_factory=lambda: EvaluationConfig())  # issue 11
    source: str = "defaults"
    extras: dict[str, Any] = field(default_factory=dict)


_SECTIONS: dict[str, set[str]] = {
    "": {
        "timezone",
        "telegram",
        "database",
        "storage",
        "policy",
        "calendar",
        "region",
        "invites",
        "reminders",
        "limits",
        "retention",
        "inspection",
        "review",
        "follow_ups",  # issue 10
        "charts",  # issue 11: charts
        "publish",  # issue 11: publish
        "evaluation",  # issue 11
    },
    "telegram": {f for f in TelegramConfig.__dataclass_fields__},
    "database": {"url"},
    "storage": {"evidence_dir", "max_import_mb", "max_deactivate_share"},
    "policy": {
        "ratios",
        "grade_multipliers",
        "inspectors_per_check",
        "max_checks_per_inspector",
        "cross_region",
        "recheck_exclusion_days",
        "draw_due_days",
    },
    "calendar": {"extra_holidays", "extra_workdays"},
    "region": {"city_code", "city_name", "counties"},
    "invites": {"ttl_hours"},
    "reminders": {"lead_workdays", "send_at", "digest_at", "weekly_day", "due_within_days"},
    "limits": {f for f in LimitsConfig.__dataclass_fields__},
    "retention": {"outbox_days", "handled_updates_days", "strangers_days", "prune_at"},
    "inspection": {f for f in InspectionConfig.__dataclass_fields__},
    "review": {f for f in ReviewConfig.__dataclass_fields__},
    "follow_ups": {f for f in FollowUpsConfig.__dataclass_fields__},  # issue 10
    "charts": {f for f in ChartsConfig.__dataclass_fields__},  # issue 11: charts
    "publish": {f for f in PublishConfig.__dataclass_fields__},  # issue 11: publish
    "evaluation": {"weights"},  # issue 11
}


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read PATH (or ./config.toml when present, else defaults) and apply the environment."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    source = "defaults"
    chosen = (
        path
        if path is not None
        else (DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None)
    )
    if chosen is not None:
        try:
            raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"找不到配置文件 {chosen}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{chosen}: TOML 格式错误：{exc}") from None
        source = str(chosen)
    return config_from_mapping(raw, env, source)


def config_from_mapping(
    raw: dict[str, Any], environ: Mapping[str, str] | None = None, source: str = "config"
) -> Config:
    """Validate an already parsed configuration (tests, and the file loader above)."""
    _reject_unknown_keys(raw, source)
    return _build(raw, environ or {}, source)


def _reject_unknown_keys(raw: dict[str, Any], source: str) -> None:
    for key, value in raw.items():
        _check_key("", key, source)
        if key in _SECTIONS and key and isinstance(value, dict):
            for inner in value:
                _check_key(key, inner, source)


def _check_key(section: str, key: str, source: str) -> None:
    allowed = _SECTIONS[section]
    if key in allowed:
        return
    where = f"[{section}] {key}" if section else key
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    hint = f"（是否为 {close[0]}？）" if close else ""
    raise ConfigError(f"{source}: 未知配置项 {where}{hint}")


def _build(raw: dict[str, Any], env: Mapping[str, str], source: str) -> Config:
    section = _Section(raw, source)
    telegram = section.table("telegram")
    database = section.table("database")
    storage = section.table("storage")
    policy = section.table("policy")
    calendar = section.table("calendar")
    region = section.table("region")
    invites = section.table("invites")
    reminders = section.table("reminders")
    limits = section.table("limits")
    retention = section.table("retention")
    inspection = section.table("inspection")
    review = section.table("review")
    follow_ups = section.table("follow_ups")  # issue 10
    charts = section.table("charts")  # issue 11: charts
    publish = section.table("publish")  # issue 11: publish
    evaluation = section.table("evaluation")  # issue 11

    mode = telegram.text("mode", "polling")
    if mode not in ("polling", "webhook"):
        telegram.fail("mode", "只能是 polling 或 webhook")
    return Config(
        database_url=env.get("DATABASE_URL") or database.text("url", DEFAULT_DATABASE_URL),
        telegram=TelegramConfig(
            token=env.get("TELEGRAM_BOT_TOKEN") or telegram.text("token", ""),
            api_base_url=telegram.text("api_base_url", TelegramConfig.api_base_url),
            api_file_url=telegram.text("api_file_url", TelegramConfig.api_file_url),
            mode=mode,
            webhook_url=telegram.text("webhook_url", ""),
            webhook_listen=telegram.text("webhook_listen", "127.0.0.1"),
            webhook_port=telegram.integer("webhook_port", 8443, minimum=1),
            error_chat_id=telegram.integer("error_chat_id", 0, minimum=-(2**62)),
            messages_per_second=telegram.number("messages_per_second", 29.5, positive=True),
            seconds_per_chat=telegram.number("seconds_per_chat", 1.0),
            progress_seconds=telegram.number("progress_seconds", 2.0),
            concurrent_updates=telegram.integer("concurrent_updates", 64, minimum=1),
        ),
        storage=StorageConfig(
            evidence_dir=Path(storage.text("evidence_dir", "evidence")),
            max_import_mb=storage.integer("max_import_mb", 20, minimum=1),
            max_deactivate_share=storage.ratio("max_deactivate_share", "20%", at_most_one=True),
        ),
        policy=PolicyConfig(
            ratios=_ratios(policy),
            grade_multipliers=_multipliers(policy),
            inspectors_per_check=policy.integer("inspectors_per_check", 2, minimum=2),
            max_checks_per_inspector=policy.integer("max_checks_per_inspector", 40, minimum=1),
            cross_region=policy.boolean("cross_region", False),
            recheck_exclusion_days=policy.integer("recheck_exclusion_days", 90, minimum=0),
            draw_due_days=_draw_due_days(policy),
        ),
        calendar=_calendar(calendar),
        regions=_regions(region),
        timezone=section.zone("timezone", "Asia/Shanghai"),
        invite_ttl_hours=invites.integer("ttl_hours", 72, minimum=1),
        reminders=RemindersConfig(
            lead_workdays=reminders.integer("lead_workdays", 3, minimum=1),
            send_at=reminders.clock("send_at", "09:00"),
            digest_at=reminders.clock("digest_at", "08:30"),
            weekly_day=reminders.choice("weekly_day", "mon", WEEKDAYS),
            due_within_days=reminders.integer("due_within_days", 3, minimum=0),
        ),
        limits=LimitsConfig(
            # Telegram's 4,096 units must hold a notice quoting the text with its context.
            free_text_chars=_at_most(limits, "free_text_chars", 500, 3000),
            recusal_wait_minutes=limits.integer("recusal_wait_minutes", 30, minimum=1),
            import_wait_minutes=limits.integer("import_wait_minutes", 30, minimum=1),
            wrong_codes=limits.integer("wrong_codes", 5, minimum=1),
            wrong_code_window_minutes=limits.integer("wrong_code_window_minutes", 60, minimum=1),
        ),
        retention=RetentionConfig(
            outbox_days=retention.integer("outbox_days", 30, minimum=1),
            handled_updates_days=retention.integer("handled_updates_days", 7, minimum=2),
            strangers_days=retention.integer("strangers_days", 90, minimum=1),
            prune_at=retention.clock("prune_at", "03:30"),
        ),
        inspection=_inspection(inspection),
        review=ReviewConfig(
            confirmations=ConfirmPolicy(
                review.choice("confirmations", "one", tuple(p.value for p in ConfirmPolicy))
            ),
            remind_after_workdays=review.integer("remind_after_workdays", 3, minimum=1),
        ),
        follow_ups=FollowUpsConfig(  # issue 10
            remind_days_before=follow_ups.integer("remind_days_before", 3, minimum=0),
        ),
        charts=ChartsConfig(  # issue 11: charts
            font=Path(font) if (font := charts.text("font", "")) else None,
            font_index=charts.integer("font_index", 0, minimum=0),
        ),
        publish=PublishConfig(  # issue 11: publish
            include_findings=publish.boolean("include_findings", False),
        ),
        evaluation=_evaluation(evaluation),  # issue 11
        source=source,
    )


def _ratios(policy: _Section) -> Ratios:
    given = policy.table("ratios")
    given.only({level.value for level in Level})
    mapping: dict[str, dict[str, Fraction]] = {}
    for level in Level:
        table = given.table(level.value)
        table.only({cls.value for cls in SupervisionClass})
        mapping[level.value] = {
            name: table.ratio(name, default, at_most_one=True)
            for name, default in DEFAULT_RATIOS[level.value].items()
        }
    return Ratios.from_mapping(mapping)


def _multipliers(policy: _Section) -> GradeMultipliers:
    table = policy.table("grade_multipliers")
    table.only({g.value for g in CreditRiskGrade})
    values = {g.value: table.ratio(g.value, "1", at_most_one=False) for g in CreditRiskGrade}
    try:
        return GradeMultipliers.from_mapping(values)
    except ValueError:
        ordered = sorted(CreditRiskGrade, key=lambda g: g.risk_rank)
        for safer, riskier in pairwise(ordered):
            if values[riskier.value] < values[safer.value]:
                table.fail(
                    riskier.value, f"风险更高的 {riskier.value} 级倍数不能低于 {safer.value} 级"
                )
        raise


def _inspection(section: _Section) -> InspectionConfig:
    expiry = section.integer("draft_expiry_hours", 72, minimum=1)
    warning = section.integer("draft_warning_hours", 48, minimum=1)
    if warning >= expiry:
        section.fail(
            "draft_warning_hours", f"应小于 draft_expiry_hours（{expiry}），现为 {warning}"
        )
    return InspectionConfig(
        max_photo_bytes=section.integer("max_photo_bytes", 20 * 1024 * 1024, minimum=1024),
        max_photo_pixels=section.integer("max_photo_pixels", 50_000_000, minimum=1_000_000),
        checkin_radius_m=section.integer("checkin_radius_m", 1000, minimum=1),
        draft_expiry_hours=expiry,
        draft_warning_hours=warning,
    )


def _at_most(section: _Section, key: str, default: int, maximum: int) -> int:
    value = section.integer(key, default, minimum=1)
    if value > maximum:
        section.fail(key, f"不能超过 {maximum}，现为 {value}")
    return value


def _draw_due_days(policy: _Section) -> int:
    days = policy.integer("draw_due_days", 15, minimum=1)
    if days > 90:
        policy.fail("draw_due_days", f"应在季度之内（不超过 90 天），现为 {days}")
    return days


def _calendar(calendar: _Section) -> CalendarConfig:
    holidays, workdays = calendar.dates("extra_holidays"), calendar.dates("extra_workdays")
    both = sorted(holidays & workdays)
    if both:
        calendar.fail("extra_workdays", f"与 extra_holidays 重复：{both[0].isoformat()}")
    return CalendarConfig(holidays, workdays)


def _regions(region: _Section) -> CityRegions:
    code = region.text("city_code", BAODING_CODE)
    name = region.text("city_name", BAODING_NAME)
    counties_raw = region.raw.get("counties")
    if counties_raw is None:
        counties = dict(BAODING_COUNTIES) if code == BAODING_CODE else {}
    elif isinstance(counties_raw, dict) and all(
        isinstance(k, str) and len(k) == 6 and is_decimal(k) and isinstance(v, str)
        for k, v in counties_raw.items()
    ):
        counties = dict(counties_raw)
    else:
        region.fail("counties", '应为 六位行政区划代码 = "名称" 的表')
    if not counties:
        region.fail("counties", f"城市 {code} 没有配置任何区县")
    return CityRegions(code=code, name=name, counties=counties)


class _Section:
    """One TOML table with typed getters that fail with the key's full name."""

    def __init__(self, raw: dict[str, Any], source: str, path: str = "") -> None:
        self.raw = raw
        self.source = source
        self.path = path

    def fail(self, key: str, why: str) -> NoReturn:
        where = f"[{self.path}] {key}" if self.path else key
        raise ConfigError(f"{self.source}: 配置项 {where} {why}")

    def table(self, key: str) -> _Section:
        value = self.raw.get(key, {})
        if not isinstance(value, dict):
            self.fail(key, "应为一个表")
        return _Section(value, self.source, f"{self.path}.{key}" if self.path else key)

    def only(self, allowed: set[str]) -> None:
        for key in self.raw:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                self.fail(key, "未知" + (f"（是否为 {close[0]}？）" if close else ""))

    def text(self, key: str, default: str) -> str:
        value = self.raw.get(key, default)
        if not isinstance(value, str):
            self.fail(key, "应为字符串")
        return str(value)

    def integer(self, key: str, default: int, minimum: int) -> int:
        value = self.raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(key, f"应为不小于 {minimum} 的整数，现为 {value!r}")
        return int(value)

    def number(self, key: str, default: float, positive: bool = False) -> float:
        value = self.raw.get(key, default)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or value < 0
            or (positive and value == 0)
        ):
            self.fail(key, f"应为{'大于' if positive else '不小于'} 0 的数，现为 {value!r}")
        return float(value)

    def clock(self, key: str, default: str) -> time:
        value = self.raw.get(key, default)
        if isinstance(value, time):  # TOML's local time, 09:00
            return value
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        return self.fail(key, f'应为 "HH:MM" 形式的时刻，现为 {value!r}')

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key, default)
        if value not in allowed:
            self.fail(key, f"应为 {'、'.join(allowed)} 之一，现为 {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "应为 true 或 false")
        return bool(value)

    def ratio(self, key: str, default: str, at_most_one: bool) -> Fraction:
        """A positive ratio ('25%', 0.25, '1/4'); sampling ratios are at most 100%."""
        value = self.raw.get(key, default)
        try:
            number = parse_ratio(value)
        except (ValueError, TypeError):
            number = Fraction(-1)
        if number <= 0 or (at_most_one and number > 1):
            limit = "大于 0、不超过 100%" if at_most_one else "大于 0"
            return self.fail(key, f'应为{limit}的比例（如 "25%" 或 0.25），现为 {value!r}')
        return number

    def dates(self, key: str) -> frozenset[date]:
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            self.fail(key, "应为日期列表，如 [2027-01-01]")
        days: set[date] = set()
        for item in value:
            if isinstance(item, date):
                days.add(item)
            elif isinstance(item, str):
                try:
                    days.add(date.fromisoformat(item))
                except ValueError:
                    self.fail(key, f"含有无法识别的日期 {item!r}")
            else:
                self.fail(key, f"含有无法识别的日期 {item!r}")
        return frozenset(days)

    def zone(self, key: str, default: str) -> ZoneInfo:
        name = self.text(key, default)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return self.fail(key, f"不是已知时区：{name}")


# --- issue 11: the evaluation (稽查考核) ---


@dataclass(frozen=True)
class EvaluationConfig:
    """The weight of each criterion of the county evaluation (spotcheck/evaluation.py): whole
    points, summing to 100."""

    weights: Mapping[Criterion, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


def _evaluation(section: _Section) -> EvaluationConfig:
    table = section.table("weights")
    table.only({c.value for c in Criterion})
    weights = {c: table.integer(c.value, DEFAULT_WEIGHTS[c], minimum=0) for c in Criterion}
    total = sum(weights.values())
    if total != FULL_SCORE:
        section.fail("weights", f"各项之和应为 {FULL_SCORE}，现为 {total}")
    return EvaluationConfig(weights)
