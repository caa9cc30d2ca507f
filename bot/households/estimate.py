"""The compensation estimate of one household of the ledger: the engine (bot/compensation) run on the household's
own appraisal — its legal and recognised areas, the report's house value and decoration figure, its signing date —
never on the district's reference price. The chat's personal answers and the staff household page show the same.

A household that has signed is estimated with the plan as it stood when it signed (its date decides the signing
reward); one that has not, with the plan as it stands today (reward tiers already over are not counted)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.compensation import CompensationParams, Estimate, InputError, ParamsError, estimate
from bot.compensation.model import Household, Option, Use
from bot.compensation.params import plan_on
from bot.core.household_file import HouseholdFile
from bot.households.vocabulary import AgreementStatus


@dataclass(frozen=True)
class FileEstimate:
    """The estimate, or why there is none (a sentence for the resident or staff)."""

    estimate: Estimate | None
    missing: str = ""


NO_APPRAISAL = "台账里还没有这户的评估结果（评估报告送达后录入），所以还不能按自己的评估价值计算。"
NOT_COMPUTABLE = "台账里的信息还不够自动算出这户的补偿（{reason}），请找片区征收工作组当面核算。"
NO_PLAN = "补偿方案的参数暂时不能使用，估算暂停。"


def estimate_file(file: HouseholdFile, params: dict[str, Any], today: date) -> FileEstimate:
    """Both options for the household of `file`, from its own appraisal; `params` is knowledge/params.yaml."""
    if file.assessed_value is None:
        return FileEstimate(None, NO_APPRAISAL)
    signed = file.agreement_status == AgreementStatus.SIGNED and file.agreement_date is not None
    try:
        plan: CompensationParams = plan_on(params, None if signed else today)
    except ParamsError:
        return FileEstimate(None, NO_PLAN)
    household = Household(
        area=file.legal_area,
        district_id=file.district,
        use=Use(file.use) if file.use in Use._value2member_map_ else Use.RESIDENTIAL,
        decoration_appraisal=file.decoration_value,
        assessed_value=file.assessed_value,
        unregistered_area=file.recognised_area,
        sign_date=file.agreement_date if signed else None,
    )
    try:
        return FileEstimate(estimate(household, plan))
    except InputError as exc:
        if household.sign_date is not None and exc.field == "sign_date":
            # signed outside the plan's signing period as the parameter file has it: no reward is counted
            try:
                found = estimate(replace(household, sign_date=None), plan)
            except InputError as again:
                exc = again
            else:
                return FileEstimate(_outside_period(found, household.sign_date, plan))
        return FileEstimate(None, NOT_COMPUTABLE.format(reason=_reason(exc)))


def _outside_period(found: Estimate, day: date, plan: CompensationParams) -> Estimate:
    """The estimate with its signing-reward lines saying why they are 0: the household signed on `day`, outside
    the plan's signing period as the parameter file has it (not "no date given")."""
    start, end = plan.programme.signing_start.isoformat(), plan.programme.signing_end.isoformat()

    def fixed(option: Option) -> Option:
        lines = tuple(
            replace(
                line,
                formula=f"{day.isoformat()} 签约，不在方案的签约期（{start} 至 {end}）内：0 元",
                note=f"台账记录的签约日期 {day.isoformat()} 不在方案的签约期内，估算未计签约奖励；以您签订的协议为准。",
            )
            if line.key == "signing_reward"
            else line
            for line in option.lines
        )
        return replace(option, lines=lines)

    return replace(found, money=fixed(found.money), exchange=fixed(found.exchange))


def _reason(exc: InputError) -> str:
    if exc.field == "business_area":
        return "商住混合的房屋需要经营部分的面积，台账里没有"
    if exc.field == "monthly_profit":
        return "停产停业损失按月净利润计算，台账里没有"
    return "有一项数字超出了估算能处理的范围"
