"""`python -m bot.compensation.cli calc …` run as a real process: JSON output, text table, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.compensation.cli import add_parser, run

from .sample_params import sample_params_dict

ROOT = Path(__file__).resolve().parents[2]


# the estimate is made for a day (today in Beijing time unless --as-of): tests freeze it in the signing period
FROZEN_DAY = "2026-09-15"


def calc(
    *args: str, env: dict[str, str] | None = None, as_of: str | None = FROZEN_DAY
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "ANJU_KNOWLEDGE_DIR"}
    env = {**base, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", **(env or {})}
    frozen = ["--as-of", as_of] if as_of is not None else []
    return subprocess.run(
        [sys.executable, "-m", "bot.compensation.cli", "calc", *frozen, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.fixture
def params_file(tmp_path: Path) -> Path:
    """The test parameter dict (sample_params.py) written as YAML."""
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(sample_params_dict(), allow_unicode=True), encoding="utf-8")
    return path


def test_json_output_matches_worked_example_1(params_file: Path) -> None:
    # the same household as test_engine.test_example_1 (hand-computed there)
    done = calc(
        "--area", "八十五平", "--district", "东关片区", "--decoration", "普通装修", "--sign-date", "2026-10-10",
        "--params", str(params_file), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    assert data["schema"] == "anju.compensation.estimate/1"
    assert data["county"] == "测试县"
    assert data["input"]["area"] == "85"
    assert data["input"]["district"] == {"id": "dongguan", "name": "东关片区"}
    assert data["basis"] == {"unit_price": "5200", "exchange_area": "85"}
    money, exchange = data["options"]["money"], data["options"]["exchange"]
    assert [(line["key"], line["amount"]) for line in money["lines"]] == [
        ("house_value", "442000.00"),
        ("decoration", "25500.00"),
        ("relocation_fee", "1500.00"),
        ("transition_fee", "6120.00"),
        ("signing_reward", "30000.00"),
        ("money_option_reward", "44200.00"),
    ]
    assert (money["total"], money["payments"], money["payments_total"], money["net"]) == (
        "549320.00", [], "0.00", "549320.00",
    )  # fmt: skip
    assert (exchange["total"], exchange["payments_total"], exchange["net"]) == ("531100.00", "357000.00", "174100.00")
    assert exchange["payments"][0]["key"] == "flat_within"
    assert data["difference"] == "375220.00"
    assert set(money["lines"][0]) == {"key", "label", "amount", "formula", "source", "note"}
    assert "评估报告" in data["reminder"] and data["comparison"] and data["notes"]


def test_default_parameter_file_is_the_county_file() -> None:
    done = calc("--area", "85", "--district", "dongguan", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["county"] == "示例县"
    for option in data["options"].values():
        assert Decimal(option["total"]) == sum(Decimal(line["amount"]) for line in option["lines"])


def test_default_parameter_file_follows_the_knowledge_dir_setting(params_file: Path) -> None:
    done = calc("--area", "85", "--district", "dongguan", "--json", env={"ANJU_KNOWLEDGE_DIR": str(params_file.parent)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["county"] == "测试县"


def test_via_the_main_cli(params_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "calc", "--area", "85", "--district", "dongguan", "--params", str(params_file)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "补偿合计" in done.stdout


def test_text_output_is_a_side_by_side_table(params_file: Path) -> None:
    done = calc(
        "--area", "70", "--district", "nanhe", "--exchange-area", "95", "--assessed-price", "4850.50",
        "--decoration", "fine", "--sign-date", "2026-09-15", "--params", str(params_file),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "项目" in out and "货币补偿" in out and "产权调换" in out
    assert "445,028.50" in out and "432,735.00" in out and "21,735.00" in out
    assert "安置房房款（超出面积第 2 档·市场价）" in out
    assert "提醒：" in out and "计算明细" in out
    net_row = next(line for line in out.splitlines() if line.startswith("净额"))
    total_row = next(line for line in out.splitlines() if line.startswith("补偿合计"))
    assert display_width(net_row) == display_width(total_row)  # columns line up on a terminal


def test_late_signing_is_accepted_with_no_reward(params_file: Path) -> None:
    done = calc(
        "--area", "100", "--district", "北山", "--sign-date", "2027-01-05", "--params", str(params_file), "--json"
    )
    assert done.returncode == 0, done.stderr
    for option in json.loads(done.stdout)["options"].values():
        reward = next(line for line in option["lines"] if line["key"] == "signing_reward")
        assert reward["amount"] == "0.00"
        assert "已过签约期" in reward["note"]


def reward_of(data: dict[str, Any]) -> list[str]:
    return [next(line["amount"] for line in option["lines"] if line["key"] == "signing_reward")
            for option in data["options"].values()]  # fmt: skip


def test_a_sign_date_before_the_day_of_the_estimate_is_refused(params_file: Path) -> None:
    # regression (issue 9, point 10): on 2026-12-01 a sign date of 2026-10-01 credited the 30,000 tier
    done = calc("--area", "85", "--district", "dongguan", "--sign-date", "2026-10-01", "--params", str(params_file),
                "--json", as_of="2026-12-01")  # fmt: skip
    assert done.returncode == 2
    assert "签约日期 2026-10-01 已经过去了（今天是 2026-12-01）" in done.stderr
    assert done.stdout == ""
    # the day itself and later days are fine, in the tier still open on them
    done = calc("--area", "85", "--district", "dongguan", "--sign-date", "2026-12-01", "--params", str(params_file),
                "--json", as_of="2026-12-01")  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["as_of"] == "2026-12-01"
    assert reward_of(data) == ["10000.00", "10000.00"]


def test_without_as_of_the_day_is_today_in_beijing(params_file: Path) -> None:
    beijing_today = datetime.now(timezone(timedelta(hours=8))).date()
    done = calc("--area", "85", "--district", "dongguan", "--params", str(params_file), "--json", as_of=None)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["as_of"] in {
        beijing_today.isoformat(),
        (beijing_today + timedelta(days=1)).isoformat(),
    }  # midnight
    past = (beijing_today - timedelta(days=1)).isoformat()
    done = calc("--area", "85", "--district", "dongguan", "--sign-date", past, "--params", str(params_file),
                as_of=None)  # fmt: skip
    assert done.returncode == 2
    assert f"签约日期 {past} 已经过去了" in done.stderr


def test_staff_may_recompute_an_agreement_signed_in_the_past(params_file: Path) -> None:
    done = calc("--area", "85", "--district", "dongguan", "--sign-date", "2026-10-01", "--allow-past-sign-date",
                "--params", str(params_file), "--json", as_of=None)  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert reward_of(data) == ["30000.00", "30000.00"]  # the tier of the day it was signed
    assert data["as_of"] is None
    help_text = calc("--help", as_of=None).stdout
    assert "--allow-past-sign-date" in help_text and "--as-of" in help_text


def test_when_every_tier_has_passed_the_estimate_says_so(params_file: Path) -> None:
    done = calc("--area", "85", "--district", "dongguan", "--params", str(params_file), "--json", as_of="2027-01-04")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert reward_of(data) == ["0.00", "0.00"]
    note = next(line["note"] for line in data["options"]["money"]["lines"] if line["key"] == "signing_reward")
    assert "签约奖励各档都已截止（最后一档截至 2026-12-31），现在签约不再有签约奖励；签约期已于 2026-12-31 结束" in note
    assert "2026-10-15" not in note  # no closed tier is offered


def test_an_unreadable_as_of_day_is_bad_input(params_file: Path) -> None:
    done = calc("--area", "85", "--district", "dongguan", "--params", str(params_file), as_of="明天")
    assert done.returncode == 2
    assert "没看懂估算日期（--as-of）“明天”" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", "abc", "--district", "dongguan"], "没看懂建筑面积“abc”"),
        (["--area", "0", "--district", "dongguan"], "建筑面积必须大于 0"),
        (["--area", "-85", "--district", "dongguan"], "不能是负数"),
        (["--area", "20000", "--district", "dongguan"], "超出了合理范围"),
        (["--area", "85", "--district", "火星"], "没有找到片区“火星”"),
        (
            ["--as-of", "2026-08-20", "--area", "85", "--district", "dongguan", "--sign-date", "2026-08-25"],
            "签约期从 2026-09-01 开始",
        ),
        (["--area", "85", "--district", "dongguan", "--sign-date", "2026-13-01"], "不是一个真实的日期"),
        (["--area", "85", "--district", "dongguan", "--sign-date", "下个月"], "2026-10-15 这样的格式"),
        (["--district", "dongguan"], "请填写建筑面积"),
        (["--area", "85"], "请选择房屋所在的片区"),
        (["--area", "85", "--district", "dongguan", "--use", "工厂"], "没看懂房屋用途"),
        (["--area", "85", "--district", "dongguan", "--use", "mixed"], "请填写其中用来经营的面积"),
        (["--area", "85", "--district", "dongguan", "--decoration-amount", "很多"], "没看懂装修评估金额"),
        (
            ["--area", "85", "--district", "dongguan", "--exchange-area", "10001"],
            "安置房面积 10,001 平方米超出了合理范围",
        ),
        (["--area", "85", "--district", "dongguan", "--unknown"], "命令参数有误"),
        (["--area"], "命令参数有误"),
    ],
)
def test_bad_input_exits_2_with_a_chinese_message(args: list[str], message: str, params_file: Path) -> None:
    done = calc(*args, "--params", str(params_file), "--json")
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


def test_invalid_parameter_file_exits_1(tmp_path: Path) -> None:
    data = sample_params_dict()
    data["compensation"]["relocation_fee"]["per_m2"] = "十五"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = calc("--area", "85", "--district", "dongguan", "--params", str(path))
    assert done.returncode == 1
    assert "compensation.relocation_fee.per_m2" in done.stderr


def test_missing_parameter_file_exits_1(tmp_path: Path) -> None:
    done = calc("--area", "85", "--district", "dongguan", "--params", str(tmp_path / "nope.yaml"))
    assert done.returncode == 1
    assert "找不到参数文件" in done.stderr


def test_add_parser_registers_calc_with_run(capsys: pytest.CaptureFixture[str], params_file: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="bot")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["calc", "--area", "85平方", "--district", "dongguan", "--params", str(params_file)])
    assert args.func is run
    assert run(args) == 0
    assert "补偿合计" in capsys.readouterr().out


def _shape(value: Any) -> Any:
    """The structure of a JSON value: keys and value types, list items by their first element."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_documented_json_example_has_the_real_shape(params_file: Path) -> None:
    doc = (ROOT / "docs" / "compensation.md").read_text(encoding="utf-8")
    example = json.loads(doc.split("```json\n", 1)[1].split("\n```", 1)[0])
    done = calc(
        "--area", "85", "--district", "东关片区", "--decoration", "普通装修", "--floor", "3",
        "--sign-date", "2026-10-10", "--exchange-area", "100", "--params", str(params_file), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    actual = json.loads(done.stdout)
    assert _shape(example) == _shape(actual)
    assert [line["key"] for line in example["options"]["exchange"]["payments"]] == [
        line["key"] for line in actual["options"]["exchange"]["payments"]
    ]
