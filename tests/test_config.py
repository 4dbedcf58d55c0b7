"""Configuration: defaults, environment overrides, and one clear line for every mistake."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import ConfigError, config_from_mapping, load_config
from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.quota import Level

CITY, COUNTY = Level.CITY, Level.COUNTY
SPECIAL, KEY, GENERAL = SupervisionClass.SPECIAL, SupervisionClass.KEY, SupervisionClass.GENERAL


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(raw)
    message = str(caught.value)
    assert "\n" not in message
    return message


def _toml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_default_ratios_are_the_plan_minimums_as_exact_fractions() -> None:
    ratios = config_from_mapping({}).policy.ratios
    assert ratios.ratio(COUNTY, KEY) == Fraction(1, 4)
    assert ratios.ratio(CITY, SPECIAL) == Fraction(1, 10)
    assert ratios.ratio(COUNTY, SPECIAL) == Fraction(1, 2)
    assert ratios.ratio(CITY, GENERAL) == Fraction(3, 100)
    assert all(
        type(ratios.ratio(level, cls)) is Fraction for level in Level for cls in SupervisionClass
    )


def test_defaults_without_a_file() -> None:
    config = load_config(None, environ={})
    assert config.database_url == "sqlite:///shuangsuiji.db"
    assert config.telegram.token == ""
    assert config.policy.inspectors_per_check == 2
    assert config.storage.max_import_mb == 20
    assert config.regions.code == "130600"
    assert str(config.timezone) == "Asia/Shanghai"
    assert [config.policy.grade_multipliers.of(g) for g in CreditRiskGrade] == [Fraction(1)] * 4


def test_ratio_may_be_written_as_percent_or_fraction(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[policy.ratios.county]\nkey = "30%"\ngeneral = 0.05\n')
    ratios = load_config(path, environ={}).policy.ratios
    assert ratios.ratio(COUNTY, KEY) == Fraction(3, 10)
    assert ratios.ratio(COUNTY, GENERAL) == Fraction(1, 20)
    assert ratios.ratio(COUNTY, SPECIAL) == Fraction(1, 2)
    assert ratios.ratio(CITY, KEY) == Fraction(1, 10)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = _toml(
        tmp_path,
        '[database]\nurl = "sqlite:///file.db"\n[telegram]\ntoken = "from-file"\n',
    )
    from_file = load_config(path, environ={})
    assert (from_file.database_url, from_file.telegram.token) == ("sqlite:///file.db", "from-file")
    env = {"DATABASE_URL": "postgresql://u@h/db", "TELEGRAM_BOT_TOKEN": "123:abc"}
    overridden = load_config(path, environ=env)
    assert (overridden.database_url, overridden.telegram.token) == (
        "postgresql://u@h/db",
        "123:abc",
    )
    assert overridden.source == str(path)


def test_environment_is_read_from_the_process_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///env.db")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:env")
    config = load_config()
    assert (config.database_url, config.telegram.token) == ("sqlite:///env.db", "42:env")


def test_config_toml_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _toml(tmp_path, "[storage]\nmax_import_mb = 5\n")
    config = load_config(environ={})
    assert (config.storage.max_import_mb, config.source) == (5, "config.toml")


def test_unknown_key_is_named_and_the_close_key_suggested() -> None:
    message = _error({"policy": {"ratio": {"county": {"key": "25%"}}}})
    assert message == "config: 未知配置项 [policy] ratio（是否为 ratios？）"


def test_unknown_top_level_section_is_named() -> None:
    assert _error({"databse": {"url": "x"}}) == "config: 未知配置项 databse（是否为 database？）"


def test_unknown_class_inside_ratios_is_named() -> None:
    message = _error({"policy": {"ratios": {"county": {"keys": "25%"}}}})
    assert message == "config: 配置项 [policy.ratios.county] keys 未知（是否为 key？）"


@pytest.mark.parametrize("bad", ["150%", "-5%", "abc", 2, True])
def test_bad_ratio_names_the_key(bad: object) -> None:
    message = _error({"policy": {"ratios": {"county": {"key": bad}}}})
    assert message.startswith("config: 配置项 [policy.ratios.county] key 应为")
    assert "100%" in message
    assert message.endswith(f"现为 {bad!r}")


def test_multiplier_for_a_riskier_grade_below_a_safer_one_is_refused() -> None:
    message = _error({"policy": {"grade_multipliers": {"A": "100%", "B": "1", "C": 1, "D": "50%"}}})
    assert message == "config: 配置项 [policy.grade_multipliers] D 风险更高的 D 级倍数不能低于 C 级"


def test_multipliers_rising_with_risk_are_accepted() -> None:
    config = config_from_mapping(
        {"policy": {"grade_multipliers": {"A": "50%", "B": 1, "C": "1.5", "D": 2}}}
    )
    multipliers = config.policy.grade_multipliers
    assert [multipliers.of(g) for g in CreditRiskGrade] == [
        Fraction(1, 2),
        Fraction(1),
        Fraction(3, 2),
        Fraction(2),
    ]


def test_one_inspector_per_check_is_refused() -> None:
    message = _error({"policy": {"inspectors_per_check": 1}})
    assert message == "config: 配置项 [policy] inspectors_per_check 应为不小于 2 的整数，现为 1"


def test_wrong_type_is_named() -> None:
    assert _error({"telegram": {"mode": "push"}}) == (
        "config: 配置项 [telegram] mode 只能是 polling 或 webhook"
    )
    assert (
        _error({"timezone": "Mars/Olympus"}) == "config: 配置项 timezone 不是已知时区：Mars/Olympus"
    )
    assert _error({"policy": "strict"}) == "config: 配置项 policy 应为一个表"


def test_toml_syntax_error_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = _toml(tmp_path, "[policy\ninspectors_per_check = 2\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: TOML 格式错误：")
    assert "line 1" in message


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml", environ={})
    assert str(caught.value) == f"找不到配置文件 {tmp_path / 'nope.toml'}"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("[policy\n", "TOML 格式错误"),
        ("[policy]\nratio = 1\n", "未知配置项 [policy] ratio（是否为 ratios？）"),
        ('[policy.ratios.city]\nspecial = "150%"\n', "[policy.ratios.city] special"),
        ("[policy]\ninspectors_per_check = 1\n", "[policy] inspectors_per_check"),
    ],
    ids=["syntax", "unknown-key", "bad-ratio", "one-inspector"],
)
def test_cli_prints_one_line_and_exits_2_on_a_bad_config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    body: str,
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    path = _toml(tmp_path, body)
    assert main(["--config", str(path), "init"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert named in lines[0]
    assert str(path) in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "never.db").exists()


def test_limits_default_and_are_checked() -> None:
    limits = config_from_mapping({}).limits
    assert (limits.free_text_chars, limits.recusal_wait_minutes) == (500, 30)
    assert limits.import_wait_minutes == 30
    assert (limits.wrong_codes, limits.wrong_code_window_minutes) == (5, 60)
    assert config_from_mapping({"limits": {"free_text_chars": 80}}).limits.free_text_chars == 80
    assert _error({"limits": {"free_text_chars": 5000}}) == (
        "config: 配置项 [limits] free_text_chars 不能超过 3000，现为 5000"
    )
    assert _error({"limits": {"wrong_codes": 0}}) == (
        "config: 配置项 [limits] wrong_codes 应为不小于 1 的整数，现为 0"
    )


def test_the_example_configuration_loads_with_the_defaults() -> None:
    example = load_config(Path(__file__).parent.parent / "config.example.toml", environ={})
    assert example.limits == config_from_mapping({}).limits
