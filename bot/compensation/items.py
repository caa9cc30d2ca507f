"""One pure function per compensation item: (basis, params) → Line, each amount rounded once at its end."""

from __future__ import annotations

from decimal import Decimal

from bot.compensation.basis import Basis
from bot.compensation.fmt import fen, num, percent, price, yuan
from bot.compensation.model import Line
from bot.compensation.params import CompensationParams

REGULATION = "《国有土地上房屋征收与补偿条例》"
APPRAISAL_RULES = "《国有土地上房屋征收评估办法》"


def house_value_exact(basis: Basis) -> Decimal:
    """Legal area × unit price, unrounded (the base of rates applied to the house value)."""
    return basis.area * basis.unit_price


def unregistered_value_exact(basis: Basis, params: CompensationParams) -> Decimal:
    return basis.unregistered_area * basis.unit_price * params.unregistered_recognition_rate


def house_value(basis: Basis, params: CompensationParams) -> Line:
    return Line(
        key="house_value",
        label="被征收房屋价值补偿",
        amount=fen(house_value_exact(basis)),
        formula=f"{num(basis.area)} m² × {basis.unit_price_formula}",
        source=f"{REGULATION}第十七条、第十九条；{params.plan_source('valuation')}",
    )


def unregistered_value(basis: Basis, params: CompensationParams) -> Line:
    rate = params.unregistered_recognition_rate
    return Line(
        key="unregistered_value",
        label="认定的未登记建筑补偿",
        amount=fen(unregistered_value_exact(basis, params)),
        formula=f"{num(basis.unregistered_area)} m² × {price(basis.unit_price)} 元/m² × {percent(rate)}（认定比例）",
        source=f"{REGULATION}第二十四条；{params.plan_source('unregistered')}",
    )


def decoration(basis: Basis, params: CompensationParams) -> Line:
    source = f"{APPRAISAL_RULES}第十四条；{params.plan_source('decoration')}"
    label = "装饰装修及附属物补偿"
    if basis.decoration_appraisal is not None:
        formula = f"按评估金额 {num(basis.decoration_appraisal)} 元"
        return Line("decoration", label, fen(basis.decoration_appraisal), formula, source)
    level = basis.decoration_level
    assert level is not None
    formula = f"{num(basis.area)} m² × {num(level.per_m2)} 元/m²（{level.label}标准）"
    return Line("decoration", label, fen(basis.area * level.per_m2), formula, source)


def business_loss(basis: Basis, params: CompensationParams) -> Line:
    rule = params.business_loss
    source = f"{REGULATION}第十七条、第二十三条；{params.plan_source('business_loss')}"
    if rule.method == "monthly_profit":
        profit = basis.monthly_profit
        assert profit is not None
        formula = f"月净利润 {num(profit)} 元 × {rule.months} 个月"
        return Line("business_loss", "停产停业损失补偿", fen(profit * rule.months), formula, source)
    formula = f"经营面积 {num(basis.business_area)} m² × {price(basis.unit_price)} 元/m² × {percent(rule.rate)}"
    amount = fen(basis.business_area * basis.unit_price * rule.rate)
    return Line("business_loss", "停产停业损失补偿", amount, formula, source)


def relocation_fee(basis: Basis, params: CompensationParams, times: int) -> Line:
    fee = params.relocation_fee
    by_area = basis.area * fee.per_m2
    once = max(by_area, fee.min_per_household)
    if by_area < fee.min_per_household:
        formula = (
            f"{num(basis.area)} m² × {num(fee.per_m2)} 元/m² = {num(by_area)} 元，不足每户最低 "
            f"{num(fee.min_per_household)} 元，按 {num(fee.min_per_household)} 元计；× {times} 次"
        )
    else:
        formula = f"{num(basis.area)} m² × {num(fee.per_m2)} 元/m² × {times} 次"
    if times == 2:
        formula += "（搬出、回迁各一次）"
    return Line(
        key="relocation_fee",
        label="搬迁费",
        amount=fen(once * times),
        formula=formula,
        source=f"{REGULATION}第二十二条；{params.plan_source('relocation_fee')}",
    )


def transition_fee(basis: Basis, params: CompensationParams, months: int, *, lump: bool) -> Line:
    fee = params.transition_fee
    counted = max(basis.area, fee.min_area)
    tail = f"{num(fee.per_m2_month)} 元/m²/月 × {months} 个月"
    tail += "（选择货币补偿的一次性发放）" if lump else "（过渡期，至安置房交付）"
    if basis.area < fee.min_area:
        minimum = f"建筑面积 {num(basis.area)} m² 不足 {num(fee.min_area)} m²，按 {num(fee.min_area)} m² 计"
        formula = f"{minimum}：{num(counted)} m² × {tail}"
    else:
        formula = f"{num(counted)} m² × {tail}"
    # the regulation's Art.22 covers 临时安置费 for property exchange; the money-option lump is the county's rule
    article = "第十七条" if lump else "第二十二条"
    return Line(
        key="transition_fee",
        label="临时安置费",
        amount=fen(counted * fee.per_m2_month * months),
        formula=formula,
        source=f"{REGULATION}{article}；{params.plan_source('transition_fee')}",
    )


def signing_reward(basis: Basis, params: CompensationParams) -> Line:
    programme = params.programme
    start, end = programme.signing_start.isoformat(), programme.signing_end.isoformat()
    source = f"{REGULATION}第十七条；{params.plan_source('reward')}"
    tiers = open_tiers_text(params)
    sign_date = basis.sign_date
    if sign_date is None:
        note = f"未填写签约日期，暂不计签约奖励。{tiers}"
        return Line("signing_reward", "签约奖励", Decimal("0.00"), "未填写签约日期，暂按 0 元计", source, note)
    if sign_date > programme.signing_end:
        note = (
            f"签约期为 {start} 至 {end}，{sign_date.isoformat()} 已过签约期，不享受签约奖励。"
            "签约期内达不成补偿协议的，由县人民政府依法按补偿方案作出补偿决定（条例第二十六条）。"
        )
        formula = f"{sign_date.isoformat()} 签约，已过签约期：0 元"
        return Line("signing_reward", "签约奖励", Decimal("0.00"), formula, source, note)
    tier = next((t for t in params.signing_reward if sign_date <= t.until), None)
    if tier is None:
        note = f"{sign_date.isoformat()} 签约不在任何奖励档期内。{tiers}"
        return Line("signing_reward", "签约奖励", Decimal("0.00"), f"{sign_date.isoformat()} 签约：0 元", source, note)
    formula = f"{sign_date.isoformat()} 签约，属于 {tier.until.isoformat()} 前（含）签约档：每户 {num(tier.amount)} 元"
    return Line("signing_reward", "签约奖励", fen(tier.amount), formula, source)


def open_tiers_text(params: CompensationParams) -> str:
    """The reward tiers one can still sign in, in a sentence — or, when all have passed, that there are none."""
    if not params.signing_reward:
        return "方案未设签约奖励。"
    if params.tiers_closed:
        return params.closed_tiers_text()
    tiers = "；".join(f"{t.until.isoformat()}前（含）签约 {yuan(t.amount)} 元" for t in params.open_tiers)
    still = "，现在签约还能享受的档次" if params.as_of is not None else ""
    return f"签约奖励按签约日期分档{still}：{tiers}。"


def money_option_reward(basis: Basis, params: CompensationParams) -> Line:
    rate = params.money_option_reward_rate
    value = house_value_exact(basis)
    if basis.unregistered_area > 0:
        extra = unregistered_value_exact(basis, params)
        base = f"（房屋价值 {num(value)} 元 + 认定的未登记建筑 {num(extra)} 元）"
        value += extra
    else:
        base = f"房屋价值 {num(value)} 元"
    return Line(
        key="money_option_reward",
        label="货币补偿奖励",
        amount=fen(value * rate),
        formula=f"{base} × {percent(rate)}",
        source=f"{REGULATION}第十七条；{params.plan_source('reward')}",
    )


def flat_payments(basis: Basis, params: CompensationParams) -> tuple[Line, ...]:
    """What the resident pays for the resettlement flat: original area at the plan price, extra area in bands."""
    source = f"{REGULATION}第二十一条；{params.plan_source('exchange_price')}"
    within = min(basis.exchange_area, basis.area)
    price = f"{num(params.settlement_price)} 元/m²"
    if basis.exchange_area <= basis.area:
        formula = f"安置房 {num(within)} m² × {price}（不超过原建筑面积 {num(basis.area)} m²，按方案结算价）"
    else:
        formula = f"原建筑面积以内 {num(within)} m² × {price}（安置房共 {num(basis.exchange_area)} m²，按方案结算价）"
    lines = [
        Line(
            key="flat_within",
            label="安置房房款（原面积以内）",
            amount=fen(within * params.settlement_price),
            formula=formula,
            source=source,
        )
    ]
    extra = basis.exchange_area - basis.area
    lower = Decimal(0)
    for number, band in enumerate(params.extra_area_bands, start=1):
        upper = band.up_to
        portion = (extra if upper is None else min(extra, upper)) - lower
        if portion > 0:
            if lower == 0 and upper is not None:
                part = f"前 {num(upper)} m²"
            elif upper is None:
                part = f"超过 {num(lower)} m² 的部分"
            else:
                part = f"{num(lower)}–{num(upper)} m² 部分"
            price_label = f"（{band.label}）" if band.label else ""
            lines.append(
                Line(
                    key=f"flat_extra_{number}",
                    label=f"安置房房款（超出面积第 {number} 档{('·' + band.label) if band.label else ''}）",
                    amount=fen(portion * band.price),
                    formula=(
                        f"超出原面积 {num(extra)} m² 中{part}：{num(portion)} m² × {num(band.price)} 元/m²{price_label}"
                    ),
                    source=source,
                )
            )
        if upper is None:
            break
        lower = upper
    return tuple(lines)
