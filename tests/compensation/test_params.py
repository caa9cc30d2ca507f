"""The parameter file: the county's file is valid; a broken one gets an error that names the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.compensation.errors import ParamsError
from bot.compensation.params import load_params, parse_params

from .sample_params import sample_params_dict

COUNTY_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "params.yaml"


def test_county_file_is_valid() -> None:
    params = load_params(COUNTY_FILE)
    assert params.county == "示例县"
    assert [d.id for d in params.districts] == ["dongguan", "xijie", "nanhe", "beishan"]
    assert params.relocation_fee.per_m2 == Decimal("15")
    assert params.business_loss.rate == Decimal("0.06")
    assert params.extra_area_bands[0].up_to == Decimal("10") and params.extra_area_bands[-1].up_to is None
    assert params.programme.transition_months == 28
    assert params.plan_source("relocation_fee").endswith("第十条")


def test_values_become_decimals_without_float_noise() -> None:
    params = parse_params(sample_params_dict())
    assert params.money_option_reward_rate == Decimal("0.1")
    assert str(params.floor_adjustment[0].rate) == "0.03"
    assert params.signing_reward[0] == params.signing_reward[0].__class__(date(2026, 10, 15), Decimal("30000"))


def test_lookups_by_id_and_chinese_name() -> None:
    params = parse_params(sample_params_dict())
    assert params.find_district("东关") == params.find_district("DongGuan") == params.districts[0]
    assert params.find_district("西街片区") == params.districts[1]
    assert params.find_district("火星") is None
    assert params.find_decoration("普通") == params.find_decoration("standard")
    assert params.find_orientation("南") == params.find_orientation("south")
    assert params.floor_rate(7) is None


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("compensation", _DELETE), "缺少 compensation"),
        (_set("compensation.relocation_fee.per_m2", -1), "compensation.relocation_fee.per_m2 应为不小于 0 的数字"),
        (_set("compensation.relocation_fee.per_m2", "abc"), "compensation.relocation_fee.per_m2"),
        (_set("compensation.relocation_fee.per_m2", True), "compensation.relocation_fee.per_m2"),
        (_set("compensation.relocation_fee.per_m2", float("nan")), "compensation.relocation_fee.per_m2"),
        (_set("compensation.relocation_fee.times_exchange", 1.5), "times_exchange 应为不小于 1 的整数"),
        (_set("compensation.transition_fee", _DELETE), "缺少 compensation.transition_fee"),
        (_set("compensation.money_option_reward_rate", 10), "money_option_reward_rate 应为不小于 0、不大于 1"),
        (_set("compensation.business_loss.method", "guess"), "business_loss.method 应为 rate_of_value 或"),
        (_set("compensation.business_loss", {"method": "monthly_profit"}), "business_loss.months"),
        (_set("compensation.floor_adjustment", {1: 1.5}), "compensation.floor_adjustment.1"),
        (_set("compensation.floor_adjustment", {"ground": 0.1}), "楼层 'ground'"),
        (_set("compensation.decoration_labels", {"none": "无"}), "compensation.decoration_labels.simple"),
        (_set("compensation.orientation_adjustment", [{"id": "s", "label": "朝南"}]), "orientation_adjustment[0].rate"),
        (
            _set(
                "compensation.signing_reward",
                [{"until": date(2026, 11, 1), "amount": 1}, {"until": date(2026, 10, 1), "amount": 2}],
            ),
            "从早到晚",
        ),
        (
            _set(
                "compensation.signing_reward",
                [{"until": date(2026, 10, 1), "amount": 1}, {"until": date(2026, 11, 1), "amount": 2}],
            ),
            "越晚签约的档次奖励不能更高",
        ),
        (_set("compensation.signing_reward", [{"until": date(2027, 3, 1), "amount": 1}]), "应在签约期"),
        (_set("compensation.signing_reward", [{"until": "soon", "amount": 1}]), "YYYY-MM-DD"),
        (_set("compensation.exchange.extra_area_bands", [{"up_to": 10, "price": 3000}]), "只有最后一档的 up_to 为空"),
        (
            _set(
                "compensation.exchange.extra_area_bands",
                [{"up_to": 10, "price": 1}, {"up_to": 5, "price": 2}, {"up_to": None, "price": 3}],
            ),
            "从小到大",
        ),
        (_set("compensation.exchange.extra_area_bands", []), "应为非空列表"),
        (_set("districts", []), "districts 应为非空列表"),
        (_set("districts.1.id", "dongguan"), "districts[].id 有重复：dongguan"),
        (_set("districts.0.reference_price", 0), "districts[0].reference_price 应为大于 0"),
        (_set("programme.signing_end", date(2026, 8, 1)), "signing_end 不能早于"),
        (_set("plan.clauses.reward", ""), "plan.clauses.reward 应为文字"),
        (_set("county", None), "county 应为文字"),
    ],
)
def test_invalid_parameters_name_the_field(change: Callable[[dict[str, Any]], None], message: str) -> None:
    data = sample_params_dict()
    change(data)
    with pytest.raises(ParamsError) as raised:
        parse_params(data)
    assert message in str(raised.value)
    assert str(raised.value).startswith("参数文件有误")


def test_not_a_mapping_at_all() -> None:
    with pytest.raises(ParamsError, match="参数文件有误"):
        parse_params(["not", "a", "mapping"])


def test_load_params_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="找不到参数文件"):
        load_params(tmp_path / "missing.yaml")


def test_load_params_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("compensation: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="不是有效的 YAML"):
        load_params(path)


def test_orientation_and_floor_tables_are_optional() -> None:
    data = sample_params_dict()
    del data["compensation"]["orientation_adjustment"]
    data["compensation"]["floor_adjustment"] = {}
    params = parse_params(data)
    assert params.orientation_adjustment == () and params.floor_adjustment == ()
