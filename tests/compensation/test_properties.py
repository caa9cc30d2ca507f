"""Properties that hold for any household and for both parameter sets: the county file and the test dict."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from bot.compensation import (
    CompensationParams,
    Estimate,
    Household,
    InputError,
    Use,
    estimate,
    estimate_to_json,
    household_from_fields,
    load_params,
    parse_params,
)

from .sample_params import sample_params_dict

D = Decimal
COUNTY_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "params.yaml"
PARAM_SETS = {"county_file": load_params(COUNTY_FILE), "test_dict": parse_params(sample_params_dict())}
SETTINGS = settings(database=None, max_examples=150, deadline=None)

params_sets = pytest.mark.parametrize("params", PARAM_SETS.values(), ids=PARAM_SETS.keys())

areas = st.decimals(min_value=D("0.01"), max_value=D("10000"), places=2)
money = st.decimals(min_value=D("0"), max_value=D("5000000"), places=2)
prices = st.decimals(min_value=D("100"), max_value=D("100000"), places=2)


def sign_dates(params: CompensationParams) -> st.SearchStrategy[date]:
    start, end = params.programme.signing_start, params.programme.signing_end
    return st.dates(min_value=start, max_value=end + timedelta(days=120))


def _orientations(params: CompensationParams) -> st.SearchStrategy[str | None]:
    labels = [row.label for row in params.orientation_adjustment]
    return st.sampled_from(labels) if labels else st.none()


@st.composite
def households(draw: st.DrawFn, params: CompensationParams) -> Household:
    area = draw(areas)
    use = draw(st.sampled_from(list(Use)))
    business_area = None
    if use is Use.MIXED:
        business_area = draw(st.decimals(min_value=D("0.01"), max_value=area, places=2))
    appraisal = draw(st.none() | money)
    return Household(
        area=area,
        district_id=draw(st.sampled_from([d.id for d in params.districts] + [d.name for d in params.districts])),
        use=use,
        business_area=business_area,
        decoration=None
        if appraisal is not None
        else draw(st.none() | st.sampled_from([x.id for x in params.decoration])),
        decoration_appraisal=appraisal,
        assessed_unit_price=draw(st.none() | prices),
        floor=draw(st.none() | st.integers(min_value=1, max_value=30)),
        orientation=draw(st.none() | _orientations(params)),
        unregistered_area=draw(st.none() | st.decimals(min_value=D("0"), max_value=D("500"), places=2)),
        exchange_area=draw(st.none() | areas),
        sign_date=draw(st.none() | sign_dates(params)),
        monthly_profit=draw(st.none() | money) if params.business_loss.method == "monthly_profit" else None,
    )


def _estimate_or_skip(household: Household, params: CompensationParams) -> Estimate:
    try:
        return estimate(household, params)
    except InputError:
        reject()


@params_sets
@SETTINGS
@given(data=st.data())
def test_total_equals_the_sum_of_its_lines(params: CompensationParams, data: st.DataObject) -> None:
    result = _estimate_or_skip(data.draw(households(params)), params)
    for option in result.options:
        assert option.total == sum(line.amount for line in option.lines)
        assert option.payments_total == sum(line.amount for line in option.payments)
        assert option.net == option.total - option.payments_total
    # and in the JSON a page or a script reads
    for option in estimate_to_json(result)["options"].values():
        assert D(option["total"]) == sum(D(line["amount"]) for line in option["lines"])
        assert D(option["payments_total"]) == sum(D(line["amount"]) for line in option["payments"])
        assert D(option["net"]) == D(option["total"]) - D(option["payments_total"])


@params_sets
@SETTINGS
@given(data=st.data())
def test_no_line_is_negative_and_all_are_in_fen(params: CompensationParams, data: st.DataObject) -> None:
    result = _estimate_or_skip(data.draw(households(params)), params)
    for option in result.options:
        for line in (*option.lines, *option.payments):
            assert line.amount >= 0, line
            assert line.amount.as_tuple().exponent == -2, line
            assert line.label and line.formula and line.source


@params_sets
@SETTINGS
@given(data=st.data(), extra=st.decimals(min_value=D("0.01"), max_value=D("2000"), places=2))
def test_more_area_never_yields_less_compensation(
    params: CompensationParams, data: st.DataObject, extra: Decimal
) -> None:
    smaller = data.draw(households(params))
    assume(smaller.area + extra <= 10000)
    larger = replace(smaller, area=smaller.area + extra)
    a, b = _estimate_or_skip(smaller, params), _estimate_or_skip(larger, params)
    assert b.money.total >= a.money.total
    assert b.exchange.total >= a.exchange.total
    for key in ("money", "exchange"):
        small_lines = {line.key: line.amount for line in getattr(a, key).lines}
        large_lines = {line.key: line.amount for line in getattr(b, key).lines}
        assert all(large_lines[k] >= v for k, v in small_lines.items())


def _reward(params: CompensationParams, household: Household, day: date) -> Decimal:
    line = estimate(replace(household, sign_date=day), params).money.line("signing_reward")
    assert line is not None
    return line.amount


@params_sets
@SETTINGS
@given(data=st.data())
def test_a_later_sign_date_never_increases_the_reward(params: CompensationParams, data: st.DataObject) -> None:
    household = data.draw(households(params))
    first, second = sorted((data.draw(sign_dates(params)), data.draw(sign_dates(params))))
    try:
        early = _reward(params, household, first)
    except InputError:
        reject()
    assert _reward(params, household, second) <= early


@params_sets
def test_crossing_each_tier_boundary_never_increases_the_reward(params: CompensationParams) -> None:
    household = Household(area=D("85"), district_id=params.districts[0].id)
    for tier in params.signing_reward:
        on_the_day = _reward(params, household, tier.until)
        assert on_the_day == tier.amount
        assert _reward(params, household, tier.until + timedelta(days=1)) <= on_the_day
    assert _reward(params, household, params.programme.signing_end + timedelta(days=1)) == 0


_FIELD_TEXT = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["85", "八十五平", "0", "-1", "2026-10-01"]))


@params_sets
@SETTINGS
@given(fields=st.fixed_dictionaries({}, optional=dict.fromkeys(("area", "use", "floor", "sign_date"), _FIELD_TEXT)))
def test_any_text_gives_an_estimate_or_a_chinese_message(params: CompensationParams, fields: dict) -> None:
    fields = {"district": params.districts[0].name, **fields}
    try:
        result = estimate(household_from_fields(fields, params), params)
    except InputError as exc:
        assert any("\u4e00" <= c <= "\u9fff" for c in str(exc))
    else:
        assert result.money.total > 0
