"""A household's estimate from its own ledger row (bot/households/estimate.py): the appraisal's value, not the
reference price; the signing date's reward tier; no estimate, and why, where the ledger cannot give one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from bot.households.estimate import NO_APPRAISAL, estimate_file
from tests.households.ledger_files import PARAMS
from tests.households.test_payments import FILE


def test_the_appraisal_value_covers_the_legal_and_the_recognised_area() -> None:
    # 450,000 for 80 + 10 m²: 5,000 a m²; the two house-value lines add up to the report's figure
    file = replace(FILE, assessed_value=Decimal("450000.00"), recognised_area=Decimal("10.00"))
    found = estimate_file(file, PARAMS, date(2026, 11, 20)).estimate
    assert found is not None
    money = found.money
    house, recognised = money.line("house_value"), money.line("unregistered_value")
    assert house is not None and recognised is not None
    assert (house.amount, recognised.amount) == (Decimal("400000.00"), Decimal("50000.00"))
    assert "评估价值 450,000 元 ÷ 90 m²" in house.formula
    reference = Decimal(80) * Decimal(5200)  # 东关片区's reference price would give 416,000
    assert house.amount != reference


def test_the_signing_date_decides_the_reward_and_an_unsigned_household_counts_none_yet() -> None:
    signed = estimate_file(FILE, PARAMS, date(2026, 11, 20)).estimate  # signed 2026-09-02: the 30,000 tier
    assert signed is not None and signed.money.line("signing_reward").amount == Decimal("30000.00")  # type: ignore[union-attr]
    unsigned = replace(FILE, agreement_status="unsigned", agreement_date=None)
    found = estimate_file(unsigned, PARAMS, date(2026, 11, 20)).estimate
    assert found is not None and found.money.line("signing_reward").amount == 0  # type: ignore[union-attr]
    early = replace(FILE, agreement_date=date(2026, 3, 15))  # before the sample plan's signing period
    found = estimate_file(early, PARAMS, date(2026, 11, 20)).estimate
    reward = found.money.line("signing_reward") if found else None
    assert reward is not None and reward.amount == 0 and "2026-03-15 不在方案的签约期内" in reward.note


def test_no_estimate_without_an_appraisal_or_a_business_area() -> None:
    assert estimate_file(replace(FILE, assessed_value=None), PARAMS, date(2026, 11, 20)).missing == NO_APPRAISAL
    mixed = estimate_file(replace(FILE, use="mixed"), PARAMS, date(2026, 11, 20))
    assert mixed.estimate is None and "经营部分的面积" in mixed.missing
