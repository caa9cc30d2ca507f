"""The compensation estimate: a household and the county parameters in, money vs exchange side by side out.

Pure functions over Decimal. Each line is rounded to the fen once, at the end of its own computation; totals
are exact sums of the rounded lines, so "total = sum of lines" holds to the fen. Nothing here reads a clock,
a file or the environment.
"""

from __future__ import annotations

from decimal import Context, localcontext

from bot.compensation import items
from bot.compensation.basis import Basis, resolve
from bot.compensation.fmt import num, yuan
from bot.compensation.model import Estimate, Household, Line, Option, Use
from bot.compensation.params import CompensationParams

__all__ = ["Estimate", "Household", "Line", "Option", "Use", "estimate"]


def estimate(household: Household, params: CompensationParams) -> Estimate:
    """Both options, line by line; InputError (Chinese message) if the household cannot be estimated."""
    with localcontext(Context(prec=50)):  # independent of the caller's decimal context
        return _estimate(household, params)


def _estimate(household: Household, params: CompensationParams) -> Estimate:
    basis = resolve(household, params)
    money = money_option(basis, params)
    exchange = exchange_option(basis, params)
    return Estimate(
        county=params.county,
        plan_name=params.plan_name,
        household=household,
        district_id=basis.district.id,
        district_name=basis.district.name,
        use=basis.use,
        unit_price=basis.unit_price,
        exchange_area=basis.exchange_area,
        money=money,
        exchange=exchange,
        comparison=comparison(money, exchange, basis, params),
        notes=basis.notes,
        reminder=reminder(params),
        as_of=params.as_of,
    )


def money_option(basis: Basis, params: CompensationParams) -> Option:
    """货币补偿: value, fees once, a lump of transition months, rewards incl. the money-option reward."""
    lines = [
        *_compensation(basis, params),
        items.relocation_fee(basis, params, params.relocation_fee.times_money),
        items.transition_fee(basis, params, params.transition_fee.money_lump_months, lump=True),
        items.signing_reward(basis, params),
        items.money_option_reward(basis, params),
    ]
    return Option("money", "货币补偿", tuple(lines))


def exchange_option(basis: Basis, params: CompensationParams) -> Option:
    """产权调换: the same compensation, fees twice, transition months; the new flat's price as payments."""
    lines = [
        *_compensation(basis, params),
        items.relocation_fee(basis, params, params.relocation_fee.times_exchange),
        items.transition_fee(basis, params, params.programme.transition_months, lump=False),
        items.signing_reward(basis, params),
    ]
    return Option("exchange", "产权调换", tuple(lines), items.flat_payments(basis, params))


def _compensation(basis: Basis, params: CompensationParams) -> list[Line]:
    lines = [items.house_value(basis, params)]
    if basis.unregistered_area > 0:
        lines.append(items.unregistered_value(basis, params))
    lines.append(items.decoration(basis, params))
    if basis.use is not Use.RESIDENTIAL:
        lines.append(items.business_loss(basis, params))
    return lines


def comparison(money: Option, exchange: Option, basis: Basis, params: CompensationParams) -> str:
    """A plain-language note on the trade-off between the two options."""
    programme = params.programme
    handover = f"，安置房预计{programme.resettlement_handover}交付" if programme.resettlement_handover else ""
    if exchange.net > 0:
        cash = f"扣除安置房房款后还能领取约 {yuan(exchange.net)} 元"
    elif exchange.net < 0:
        cash = f"补偿款抵扣房款后还需补交约 {yuan(-exchange.net)} 元"
    else:
        cash = "补偿款与安置房房款正好相抵"
    months = params.transition_fee.money_lump_months
    lump = f"，临时安置费一次性发放 {months} 个月" if months else ""
    difference = money.net - exchange.net
    if difference > 0:
        gap = (
            f"货币补偿比产权调换多拿现金约 {yuan(difference)} 元，但没有安置房；"
            f"可以拿这笔差额和在市场上买一套约 {num(basis.exchange_area)} m² 住房的花费比一比。"
        )
    else:
        gap = f"产权调换拿到的现金不比货币补偿少（多约 {yuan(-difference)} 元），还能得到安置房。"
    office = basis.district
    contact = f"{office.office}（电话 {office.phone}）" if office.office and office.phone else "片区征收工作组"
    return "\n".join(
        (
            f"选货币补偿：一次性领取约 {yuan(money.net)} 元，自己买房或另作安排；只搬一次家{lump}。",
            f"选产权调换：换得一套约 {num(basis.exchange_area)} m² 的安置房，{cash}；要搬两次家（搬出、回迁），"
            f"过渡期约 {programme.transition_months} 个月，期间领取临时安置费{handover}。",
            gap,
            f"怎么选，要看家里的住房需要、手头资金和过渡期的安排；拿不准可以找{contact}当面核算。",
        )
    )


def reminder(params: CompensationParams) -> str:
    """Always shown: the appraisal report and the agreement decide."""
    text = (
        f"以上是按{params.plan_name}的标准做的估算，仅供参考；"
        "您家的实际补偿，以评估机构出具的评估报告和您签订的补偿协议为准。"
    )
    return f"{text}{params.sample_notice}" if params.sample_notice else text
