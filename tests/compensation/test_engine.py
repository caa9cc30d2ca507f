"""Worked examples, computed by hand (every step in the comments), must match the engine to the fen.

Parameters: tests/compensation/sample_params.py (a fixed set, from an earlier version of the 示例县 sample values):
  reference prices 元/m²: 东关 dongguan 5,200 · 西街 xijie 4,900 · 南河 nanhe 4,600 · 北山 beishan 4,300
  floor adjustment: 1层 +3%, 2层 +2%, 3层 +1%, 4层 0, 5层 −1%, 6层 −2%;  orientation: 朝南 +1%, 朝北 −1%
  decoration 元/m²: 无 0 · 简易 150 · 普通 300 · 精装 500
  business loss: 6% of the business area's value
  搬迁费: 15 元/m², at least 1,500 元 per household; money ×1, exchange ×2
  临时安置费: 12 元/m²/month, area counted at least 45 m²; money: 6 months at once; exchange: 30 months
  signing reward: ≤2026-10-15 30,000 · ≤2026-11-30 20,000 · ≤2026-12-31 10,000; signing period 2026-09-01…12-31
  money-option reward: 10% of the house value (incl. recognised unregistered buildings)
  unregistered buildings: 80% of area × unit price
  exchange: 4,200 元/m² within the original area; extra area: first 10 m² at 3,000, beyond at 5,800
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.compensation import Household, InputError, Use, estimate, parse_params

from .sample_params import sample_params_dict

D = Decimal
PARAMS = parse_params(sample_params_dict())


def amounts(lines) -> dict[str, Decimal]:
    return {line.key: line.amount for line in lines}


def test_example_1_residential_reference_price_early_signing() -> None:
    """85 m² home in 东关, 普通装修, signs 2026-10-10, same-size resettlement flat."""
    result = estimate(
        Household(area=D("85"), district_id="dongguan", decoration="standard", sign_date=date(2026, 10, 10)),
        PARAMS,
    )
    # unit price: no assessed price → 东关 reference 5,200 元/m² (no floor, no orientation)
    # house value:      85 × 5,200                      = 442,000.00
    # decoration:       85 × 300                        =  25,500.00
    # 搬迁费 (money):    85 × 15 = 1,275 < 1,500 → 1,500 × 1 =   1,500.00
    # 临时安置费 (money): 85 ≥ 45 → 85 × 12 × 6          =   6,120.00
    # signing reward:   2026-10-10 ≤ 2026-10-15          =  30,000.00
    # money reward:     442,000 × 10%                   =  44,200.00
    # money total: 442,000 + 25,500 + 1,500 + 6,120 + 30,000 + 44,200 = 549,320.00
    assert amounts(result.money.lines) == {
        "house_value": D("442000.00"),
        "decoration": D("25500.00"),
        "relocation_fee": D("1500.00"),
        "transition_fee": D("6120.00"),
        "signing_reward": D("30000.00"),
        "money_option_reward": D("44200.00"),
    }
    assert result.money.total == D("549320.00")
    assert result.money.net == D("549320.00")
    # exchange: 搬迁费 1,500 × 2 = 3,000; 临时安置费 85 × 12 × 30 = 30,600; no money reward
    # exchange total: 442,000 + 25,500 + 3,000 + 30,600 + 30,000 = 531,100.00
    # payments: flat 85 m² (= original area) × 4,200 = 357,000.00; no extra area
    # net: 531,100 − 357,000 = 174,100.00 (the resident receives)
    assert amounts(result.exchange.lines) == {
        "house_value": D("442000.00"),
        "decoration": D("25500.00"),
        "relocation_fee": D("3000.00"),
        "transition_fee": D("30600.00"),
        "signing_reward": D("30000.00"),
    }
    assert result.exchange.total == D("531100.00")
    assert amounts(result.exchange.payments) == {"flat_within": D("357000.00")}
    assert result.exchange.net == D("174100.00")
    # money − exchange = 549,320 − 174,100 = 375,220.00
    assert result.difference == D("375220.00")
    relocation = result.money.line("relocation_fee")
    assert relocation is not None
    assert relocation.formula == "85 m² × 15 元/m² = 1,275 元，不足每户最低 1,500 元，按 1,500 元计；× 1 次"
    assert relocation.source == "《国有土地上房屋征收与补偿条例》第二十二条；《测试县征收补偿方案》第十条"


def test_example_2_business_use_with_floor_and_orientation() -> None:
    """A 60 m² shop in 西街 on the 1st floor facing south, 简易装修, signs 2026-11-20 (second tier)."""
    result = estimate(
        Household(
            area=D("60"),
            district_id="西街片区",
            use=Use.BUSINESS,
            decoration="简易装修",
            floor=1,
            orientation="朝南",
            sign_date=date(2026, 11, 20),
            exchange_area=D("60"),
        ),
        PARAMS,
    )
    # unit price: 4,900 × (1 + 3% (1层) + 1% (朝南)) = 4,900 × 1.04 = 5,096 元/m²
    assert result.unit_price == D("5096")
    # house value:     60 × 5,096                  = 305,760.00
    # decoration:      60 × 150                    =   9,000.00
    # business loss:   business area = whole 60 m²: 60 × 5,096 × 6% = 305,760 × 0.06 = 18,345.60
    # 搬迁费 (money):   60 × 15 = 900 < 1,500 → 1,500 × 1 = 1,500.00
    # 临时安置费 (money): 60 × 12 × 6               =   4,320.00
    # signing reward:  2026-10-15 < 2026-11-20 ≤ 2026-11-30 → 20,000.00
    # money reward:    305,760 × 10%               =  30,576.00
    # money total: 305,760 + 9,000 + 18,345.60 + 1,500 + 4,320 + 20,000 + 30,576
    #            = 314,760 + 18,345.60 = 333,105.60; + 1,500 = 334,605.60; + 4,320 = 338,925.60;
    #              + 20,000 = 358,925.60; + 30,576 = 389,501.60
    assert amounts(result.money.lines) == {
        "house_value": D("305760.00"),
        "decoration": D("9000.00"),
        "business_loss": D("18345.60"),
        "relocation_fee": D("1500.00"),
        "transition_fee": D("4320.00"),
        "signing_reward": D("20000.00"),
        "money_option_reward": D("30576.00"),
    }
    assert result.money.total == D("389501.60")
    # exchange: 搬迁费 3,000; 临时安置费 60 × 12 × 30 = 21,600
    # total: 305,760 + 9,000 + 18,345.60 + 3,000 + 21,600 + 20,000 = 377,705.60
    # payments: 60 × 4,200 = 252,000.00; net: 377,705.60 − 252,000 = 125,705.60
    assert result.exchange.total == D("377705.60")
    assert result.exchange.payments_total == D("252000.00")
    assert result.exchange.net == D("125705.60")
    business = result.money.line("business_loss")
    assert business is not None
    assert business.formula == "经营面积 60 m² × 5,096 元/m² × 6%"
    assert "第二十三条" in business.source
    house = result.money.line("house_value")
    assert house is not None
    assert house.formula == "60 m² × 5,096 元/m²（西街片区参考价 4,900 元/m² × (1 + 3%〔1层〕 + 1%〔朝南〕)）"


def test_example_3_exchange_with_extra_area_in_two_bands() -> None:
    """70 m² in 南河 with an appraisal (4,850.50 元/m²), 精装修, signs 2026-09-15, chooses a 95 m² flat."""
    result = estimate(
        Household(
            area=D("70"),
            district_id="nanhe",
            decoration="fine",
            assessed_unit_price=D("4850.50"),
            sign_date=date(2026, 9, 15),
            exchange_area=D("95"),
        ),
        PARAMS,
    )
    # house value:  70 × 4,850.50 = 339,535.00 (assessed price: no floor/orientation adjustment)
    # decoration:   70 × 500      =  35,000.00
    # 搬迁费 (exchange): 70 × 15 = 1,050 < 1,500 → 1,500 × 2 = 3,000.00
    # 临时安置费 (exchange): 70 × 12 × 30 = 25,200.00
    # signing reward: 2026-09-15 ≤ 2026-10-15 → 30,000.00
    # exchange total: 339,535 + 35,000 + 3,000 + 25,200 + 30,000 = 432,735.00
    assert result.exchange.total == D("432735.00")
    # flat 95 m², original 70 m²:
    #   within the original area: 70 × 4,200 = 294,000.00
    #   extra 95 − 70 = 25 m²: band 1 (first 10 m²)  10 × 3,000 =  30,000.00
    #                          band 2 (beyond 10 m²) 15 × 5,800 =  87,000.00
    #   payments: 294,000 + 30,000 + 87,000 = 411,000.00
    # net: 432,735 − 411,000 = 21,735.00
    assert amounts(result.exchange.payments) == {
        "flat_within": D("294000.00"),
        "flat_extra_1": D("30000.00"),
        "flat_extra_2": D("87000.00"),
    }
    assert result.exchange.payments_total == D("411000.00")
    assert result.exchange.net == D("21735.00")
    # money: 搬迁费 1,500; 临时安置费 70 × 12 × 6 = 5,040; reward 339,535 × 10% = 33,953.50
    # money total: 339,535 + 35,000 + 1,500 + 5,040 + 30,000 + 33,953.50 = 445,028.50
    assert result.money.total == D("445028.50")
    band_2 = result.exchange.line("flat_extra_2")
    assert band_2 is not None
    assert band_2.formula == "超出原面积 25 m² 中超过 10 m² 的部分：15 m² × 5,800 元/m²（市场价）"
    assert band_2.source == "《国有土地上房屋征收与补偿条例》第二十一条；《测试县征收补偿方案》第九条"


def test_example_4_late_signing_gets_no_reward() -> None:
    """100 m² in 北山 on the 6th floor, 普通装修, signs 2027-01-05 — after the signing period ended."""
    result = estimate(
        Household(area=D("100"), district_id="北山", decoration="standard", floor=6, sign_date=date(2027, 1, 5)),
        PARAMS,
    )
    # unit price: 4,300 × (1 − 2%) = 4,214 元/m²
    # house value: 100 × 4,214 = 421,400.00; decoration 100 × 300 = 30,000.00
    # 搬迁费: 100 × 15 = 1,500 = the minimum → 1,500 (money) / 3,000 (exchange)
    # 临时安置费: money 100 × 12 × 6 = 7,200.00; exchange 100 × 12 × 30 = 36,000.00
    # signing reward: 2027-01-05 > 2026-12-31 → 0.00 (with a note)
    # money reward: 421,400 × 10% = 42,140.00
    # money total: 421,400 + 30,000 + 1,500 + 7,200 + 0 + 42,140 = 502,240.00
    # exchange total: 421,400 + 30,000 + 3,000 + 36,000 + 0 = 490,400.00
    # payments: exchange area not given → same as original: 100 × 4,200 = 420,000.00; net 70,400.00
    assert result.money.total == D("502240.00")
    assert result.exchange.total == D("490400.00")
    assert result.exchange.net == D("70400.00")
    for option in result.options:
        reward = option.line("signing_reward")
        assert reward is not None
        assert reward.amount == D("0.00")
        assert "已过签约期" in reward.note
        assert "第二十六条" in reward.note
    relocation = result.money.line("relocation_fee")
    assert relocation is not None
    assert relocation.formula == "100 m² × 15 元/m² × 1 次"
    assert any("未填写安置房面积" in note for note in result.notes)


def test_example_5_minimum_area_and_minimum_relocation_fee() -> None:
    """A small 32.5 m² home in 东关, no decoration given, signs on the last day, chooses a 40 m² flat."""
    result = estimate(
        Household(area=D("32.5"), district_id="dongguan", sign_date=date(2026, 12, 31), exchange_area=D("40")),
        PARAMS,
    )
    # house value: 32.5 × 5,200 = 169,000.00
    # decoration: not given → lowest level (无装修) 32.5 × 0 = 0.00
    # 搬迁费: 32.5 × 15 = 487.50 < 1,500 → 1,500 (money ×1) / 3,000 (exchange ×2)
    # 临时安置费: 32.5 m² < 45 m² → counted as 45 m²:
    #   money 45 × 12 × 6 = 3,240.00; exchange 45 × 12 × 30 = 16,200.00
    # signing reward: 2026-12-31 ≤ 2026-12-31 (last tier, inclusive) → 10,000.00
    # money reward: 169,000 × 10% = 16,900.00
    # money total: 169,000 + 0 + 1,500 + 3,240 + 10,000 + 16,900 = 200,640.00
    assert amounts(result.money.lines) == {
        "house_value": D("169000.00"),
        "decoration": D("0.00"),
        "relocation_fee": D("1500.00"),
        "transition_fee": D("3240.00"),
        "signing_reward": D("10000.00"),
        "money_option_reward": D("16900.00"),
    }
    assert result.money.total == D("200640.00")
    # exchange total: 169,000 + 0 + 3,000 + 16,200 + 10,000 = 198,200.00
    # payments: 32.5 × 4,200 = 136,500.00; extra 40 − 32.5 = 7.5 m² in band 1: 7.5 × 3,000 = 22,500.00
    #           total 159,000.00; net 198,200 − 159,000 = 39,200.00
    assert result.exchange.total == D("198200.00")
    assert amounts(result.exchange.payments) == {"flat_within": D("136500.00"), "flat_extra_1": D("22500.00")}
    assert result.exchange.net == D("39200.00")
    transition = result.exchange.line("transition_fee")
    assert transition is not None
    assert transition.formula.startswith("建筑面积 32.5 m² 不足 45 m²，按 45 m² 计：45 m² × 12 元/m²/月 × 30 个月")


def test_example_6_mixed_use_unregistered_area_and_rounding_to_the_fen() -> None:
    """88.37 m² in 西街, 20.5 m² of it a shop, appraisal 5,123.45 元/m², 12.3 m² recognised unregistered area,
    decoration appraised at 23,456.78, signs 2026-10-16 (one day past the first tier), chooses a smaller 80 m² flat."""
    result = estimate(
        Household(
            area=D("88.37"),
            district_id="xijie",
            use=Use.MIXED,
            business_area=D("20.5"),
            assessed_unit_price=D("5123.45"),
            decoration_appraisal=D("23456.78"),
            unregistered_area=D("12.3"),
            sign_date=date(2026, 10, 16),
            exchange_area=D("80"),
        ),
        PARAMS,
    )
    # house value: 88.37 × 5,123.45 = 5,123.45 × 88 + 5,123.45 × 0.37 = 450,863.60 + 1,895.6765
    #            = 452,759.2765 → 452,759.28
    # unregistered: 12.3 × 5,123.45 × 80% = 63,018.435 × 0.8 = 50,414.748 → 50,414.75
    # decoration (appraisal): 23,456.78
    # business loss: 20.5 × 5,123.45 × 6% = 105,030.725 × 0.06 = 6,301.8435 → 6,301.84
    # 搬迁费: 88.37 × 15 = 1,325.55 < 1,500 → 1,500 (money) / 3,000 (exchange)
    # 临时安置费: money 88.37 × 12 × 6 = 88.37 × 72 = 6,362.64; exchange 88.37 × 360 = 31,813.20
    # signing reward: 2026-10-16 > 2026-10-15, ≤ 2026-11-30 → 20,000.00
    # money reward: (452,759.2765 + 50,414.748) × 10% = 503,174.0245 × 0.1 = 50,317.40245 → 50,317.40
    # money total: 452,759.28 + 50,414.75 = 503,174.03; + 23,456.78 = 526,630.81; + 6,301.84 = 532,932.65;
    #              + 1,500 = 534,432.65; + 6,362.64 = 540,795.29; + 20,000 = 560,795.29; + 50,317.40 = 611,112.69
    assert amounts(result.money.lines) == {
        "house_value": D("452759.28"),
        "unregistered_value": D("50414.75"),
        "decoration": D("23456.78"),
        "business_loss": D("6301.84"),
        "relocation_fee": D("1500.00"),
        "transition_fee": D("6362.64"),
        "signing_reward": D("20000.00"),
        "money_option_reward": D("50317.40"),
    }
    assert result.money.total == D("611112.69")
    # exchange total: 503,174.03 + 23,456.78 = 526,630.81; + 6,301.84 = 532,932.65; + 3,000 = 535,932.65;
    #                 + 31,813.20 = 567,745.85; + 20,000 = 587,745.85
    # payments: flat 80 m² ≤ original 88.37 m² → 80 × 4,200 = 336,000.00 (no extra area)
    # net: 587,745.85 − 336,000 = 251,745.85
    assert result.exchange.total == D("587745.85")
    assert amounts(result.exchange.payments) == {"flat_within": D("336000.00")}
    assert result.exchange.net == D("251745.85")


def test_example_7_resident_pays_for_a_much_larger_flat() -> None:
    """50 m² in 北山, no decoration, signs 2026-11-01, chooses a 90 m² flat: the net is negative."""
    result = estimate(
        Household(area=D("50"), district_id="beishan", sign_date=date(2026, 11, 1), exchange_area=D("90")),
        PARAMS,
    )
    # house value 50 × 4,300 = 215,000.00; decoration 0.00
    # 搬迁费: 50 × 15 = 750 < 1,500 → 1,500 × 2 = 3,000.00
    # 临时安置费: 50 × 12 × 30 = 18,000.00
    # signing reward: 2026-11-01 ≤ 2026-11-30 → 20,000.00
    # exchange total: 215,000 + 0 + 3,000 + 18,000 + 20,000 = 256,000.00
    # payments: 50 × 4,200 = 210,000; extra 40 m²: 10 × 3,000 = 30,000; 30 × 5,800 = 174,000 → 414,000.00
    # net: 256,000 − 414,000 = −158,000.00 (the resident pays)
    assert result.exchange.total == D("256000.00")
    assert result.exchange.payments_total == D("414000.00")
    assert result.exchange.net == D("-158000.00")
    assert "还需补交约 158,000.00 元" in result.comparison
    # money: 215,000 + 0 + 1,500 + 50 × 12 × 6 (= 3,600) + 20,000 + 21,500 (10%) = 261,600.00
    assert result.money.total == D("261600.00")


def test_example_8_business_loss_by_monthly_profit() -> None:
    """A plan that pays monthly net profit × 6 months: 50 m² in 东关 on the 3rd floor, 15 m² shop, 8,000 元/month."""
    data = sample_params_dict()
    data["compensation"]["business_loss"] = {"method": "monthly_profit", "months": 6}
    params = parse_params(data)
    result = estimate(
        Household(
            area=D("50"),
            district_id="dongguan",
            use=Use.MIXED,
            business_area=D("15"),
            floor=3,
            monthly_profit=D("8000"),
            sign_date=date(2026, 9, 1),
        ),
        params,
    )
    # unit price 5,200 × 1.01 = 5,252; house value 50 × 5,252 = 262,600.00
    # business loss: 8,000 × 6 = 48,000.00
    # decoration 0; 搬迁费 50 × 15 = 750 → 1,500; 临时安置费 50 × 12 × 6 = 3,600; reward (first day) 30,000
    # money reward 262,600 × 10% = 26,260
    # money total: 262,600 + 0 + 48,000 + 1,500 + 3,600 + 30,000 + 26,260 = 371,960.00
    assert amounts(result.money.lines)["business_loss"] == D("48000.00")
    assert result.money.total == D("371960.00")
    with pytest.raises(InputError, match="月净利润"):
        estimate(Household(area=D("50"), district_id="dongguan", use=Use.BUSINESS), params)


def test_every_line_cites_the_regulation_and_the_plan() -> None:
    result = estimate(Household(area=D("85"), district_id="dongguan", use=Use.MIXED, business_area=D("10")), PARAMS)
    for option in result.options:
        for line in (*option.lines, *option.payments):
            assert line.source.startswith("《国有土地上房屋征收")
            assert "《测试县征收补偿方案》第" in line.source
            assert line.formula
    assert "评估报告" in result.reminder and "补偿协议" in result.reminder


def test_no_sign_date_counts_no_reward_and_says_so() -> None:
    result = estimate(Household(area=D("85"), district_id="dongguan"), PARAMS)
    reward = result.money.line("signing_reward")
    assert reward is not None and reward.amount == 0
    assert "未填写签约日期" in reward.note and "2026-10-15前（含）签约 30,000.00 元" in reward.note


def test_the_plan_on_a_day_offers_only_the_tiers_still_open() -> None:
    on_dec_1 = PARAMS.on(date(2026, 12, 1))
    assert [t.until for t in on_dec_1.open_tiers] == [date(2026, 12, 31)]
    assert not on_dec_1.tiers_closed
    assert PARAMS.open_tiers == PARAMS.signing_reward  # without a day: no date rules
    assert PARAMS.on(date(2026, 12, 31)).open_tiers[0].until == date(2026, 12, 31)  # the last day still counts
    assert PARAMS.on(date(2027, 1, 1)).tiers_closed
    note = estimate(Household(area=D("85"), district_id="dongguan"), on_dec_1).money.line("signing_reward").note
    assert "现在签约还能享受的档次：2026-12-31前（含）签约 10,000.00 元" in note and "2026-10-15" not in note


def test_a_sign_date_before_the_day_is_refused_and_the_day_itself_is_not() -> None:
    on_dec_1 = PARAMS.on(date(2026, 12, 1))
    with pytest.raises(InputError, match="签约日期 2026-11-30 已经过去了（今天是 2026-12-01）"):
        estimate(Household(area=D("85"), district_id="dongguan", sign_date=date(2026, 11, 30)), on_dec_1)
    today = estimate(Household(area=D("85"), district_id="dongguan", sign_date=date(2026, 12, 1)), on_dec_1)
    assert today.money.line("signing_reward").amount == D("10000.00")
    assert today.as_of == date(2026, 12, 1)
    # staff recomputing an agreement already signed: no date rules, the tier of that day
    signed = estimate(Household(area=D("85"), district_id="dongguan", sign_date=date(2026, 10, 1)), PARAMS.on(None))
    assert signed.money.line("signing_reward").amount == D("30000.00")


def test_assessed_price_ignores_floor_and_orientation_with_a_note() -> None:
    household = Household(area=D("85"), district_id="dongguan", assessed_unit_price=D("5000"), floor=1)
    result = estimate(household, PARAMS)
    assert result.unit_price == D("5000")
    assert any("不再另行调整" in note for note in result.notes)


def test_floor_outside_the_table_is_not_adjusted() -> None:
    result = estimate(Household(area=D("85"), district_id="dongguan", floor=9), PARAMS)
    assert result.unit_price == D("5200")
    assert any("9层不在方案的楼层调整表（1层至6层）内" in note for note in result.notes)


@pytest.mark.parametrize(
    ("household", "message"),
    [
        (Household(area=D("0"), district_id="dongguan"), "建筑面积必须大于 0"),
        (Household(area=D("-3"), district_id="dongguan"), "建筑面积必须大于 0"),
        (Household(area=D("10000.01"), district_id="dongguan"), "超出了合理范围"),
        (Household(area=D("85"), district_id="火星"), "没有找到片区“火星”。本项目的片区有：东关片区、西街片区"),
        (Household(area=D("85"), district_id="dongguan", sign_date=date(2026, 8, 31)), "签约期从 2026-09-01 开始"),
        (Household(area=D("85"), district_id="dongguan", use=Use.MIXED), "请填写其中用来经营的面积"),
        (
            Household(area=D("85"), district_id="dongguan", use=Use.MIXED, business_area=D("90")),
            "经营面积（90 平方米）不能大于建筑面积（85 平方米）",
        ),
        (Household(area=D("85"), district_id="dongguan", business_area=D("10")), "用途是住宅时不用填写经营面积"),
        (
            Household(area=D("85"), district_id="dongguan", decoration="fine", decoration_appraisal=D("1")),
            "只填一项",
        ),
        (Household(area=D("85"), district_id="dongguan", decoration="豪华"), "请选择：无装修、简易装修、普通装修"),
        (Household(area=D("85"), district_id="dongguan", orientation="东南"), "请选择：朝南、朝东、朝西、朝北"),
        (Household(area=D("85"), district_id="dongguan", exchange_area=D("0")), "安置房面积必须大于 0"),
        (Household(area=D("85.555"), district_id="dongguan"), "最多保留两位小数"),
        (Household(area=D("85"), district_id="dongguan", assessed_unit_price=D("0")), "评估单价必须大于 0"),
    ],
)
def test_bad_household_gets_a_chinese_message(household: Household, message: str) -> None:
    with pytest.raises(InputError, match=message):
        estimate(household, PARAMS)


def test_use_given_as_text_is_accepted() -> None:
    household = Household(area=D("60"), district_id="xijie", use="business")  # type: ignore[arg-type]
    assert estimate(household, PARAMS).use is Use.BUSINESS


def test_float_area_is_a_programming_error_not_input() -> None:
    with pytest.raises(TypeError):
        estimate(Household(area=85.0, district_id="dongguan"), PARAMS)  # type: ignore[arg-type]


def test_not_a_number_is_a_programming_error_not_input() -> None:
    with pytest.raises(ValueError, match="finite"):
        estimate(Household(area=D("NaN"), district_id="dongguan"), PARAMS)
