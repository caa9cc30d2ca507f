"""An estimate as chat bubbles (narrow: a phone): the side-by-side rows of bot/compensation/rows.py with short
labels and whole 元, each item's source, the trade-off and the reminder; the workings on request; and the
calculator's questions that quote the plan (decoration schedule, reward tiers)."""

from __future__ import annotations

from decimal import Decimal

from bot.compensation.fmt import num, yuan
from bot.compensation.items import APPRAISAL_RULES, REGULATION
from bot.compensation.model import Estimate, Line, Option
from bot.compensation.params import CompensationParams
from bot.compensation.rows import side_by_side

LABEL_WIDTH = 4
SEP = "｜"


def summary_text(result: Estimate) -> str:
    """Both options side by side, one row per item, amounts in whole 元 where there are no fen."""
    exchange = result.exchange
    out = [
        "补偿估算结果（仅供参考）",
        f"{result.district_name} · {result.use.label} · {num(result.household.area)} m²",
        _unit_price_line(result),
        "",
        f"单位：元　货币补偿{SEP}产权调换",
    ]
    for row in side_by_side(result):
        if row.kind == "payment":  # one row for the flat's price: 减安置房
            continue
        if row.kind == "total":
            out.append("—" * 12)
        out.append(f"{_pad(row.short)}{_short(row.money)}{SEP}{_short(row.exchange)}")
    out += [
        "",
        f"产权调换：安置房 {num(result.exchange_area)} m²，净额＝补偿合计－安置房房款"
        + ("（负数是您需要补交的钱）。" if exchange.net < 0 else "。"),
    ]
    return "\n".join(out)


def _unit_price_line(result: Estimate) -> str:
    household = result.household
    if household.assessed_value is not None:
        return f"房屋评估价值：{yuan(household.assessed_value)} 元（约合 {yuan(result.unit_price)} 元/m²）"
    kind = "（评估单价）" if household.assessed_unit_price is not None else "（参考价）"
    return f"房屋单价：{num(result.unit_price)} 元/m²{kind}"


def sources_text(result: Estimate) -> str:
    """Each item's source, with the long names abbreviated once."""
    plan = result.plan_name
    out = ["各项依据"]
    rows = side_by_side(result)
    for row in rows:
        if row.kind == "line":
            label = row.short.replace("　", "")
            if len(row.sources) == 1:  # alike for both options, or an item of one option only
                out.append(f"· {label}：{_abbrev(row.sources[0][1], plan)}")
            else:
                out.append(f"· {label}：" + "｜".join(f"{who}—{_abbrev(text, plan)}" for who, text in row.sources))
    payment = next((row for row in rows if row.kind == "payment"), None)
    if payment is not None:
        out.append(f"· 安置房房款：{_abbrev(payment.sources[-1][1], plan)}")
    out.append(f"（条例＝{REGULATION}；评估办法＝{APPRAISAL_RULES}；方案＝{plan}）")
    return "\n".join(out)


def advice_text(result: Estimate) -> str:
    """The trade-off, the assumptions, the reminder, and where to see the workings or print."""
    out = ["两种方式怎么选", result.comparison]
    line_notes = (line.note for option in result.options for line in (*option.lines, *option.payments))
    notes = list(dict.fromkeys((*result.notes, *(note for note in line_notes if note))))
    if notes:
        out += ["", "估算说明", *(f"· {note}" for note in notes)]
    out += [
        "",
        f"提醒：{result.reminder}",
        "",
        "点“查看计算明细”看每一项的算法。",
        "要打印，或加上楼层、朝向、装修评估金额等更多条件，可以用网页版估算页面。",
    ]
    return "\n".join(out)


def detail_texts(result: Estimate) -> list[str]:
    """One bubble per option: every line with amount, formula, source and note; totals; the net for exchange."""
    texts = []
    for option in result.options:
        out = [f"【{option.label}】计算明细"]
        number = 0
        for line in option.lines:
            number += 1
            out += _detail_line(number, line)
        out.append(f"补偿合计：{yuan(option.total)} 元")
        if option.payments:
            out += ["", "您需支付的安置房房款："]
            for line in option.payments:
                number += 1
                out += _detail_line(number, line)
            out.append(f"房款合计：{yuan(option.payments_total)} 元")
            out.append(f"净额：{yuan(option.net)} 元（{_net_words(option)}）")
        texts.append("\n".join(out))
    texts.append(f"提醒：{result.reminder}")
    return texts


# --- the questions that quote the plan ---------------------------------------------------------------------


def decoration_question(p: CompensationParams) -> str:
    """The decoration level, with the plan's per-m² schedule."""
    schedule = "、".join(f"{level.label} {num(level.per_m2)} 元/m²" for level in p.decoration)
    return f"房子的装修属于哪一档？\n（{p.plan_source('decoration')}：{schedule}）"


def profit_question(p: CompensationParams) -> str:
    """The monthly net profit, where the plan pays business loss as months of it."""
    return (
        f"按{p.plan_source('business_loss')}，停产停业损失按月净利润 × {p.business_loss.months} 个月计算。\n"
        "经营的月净利润大约是多少元？例如：8000 或 八千。"
    )


def sign_date_question(p: CompensationParams) -> str:
    """The intended signing date, with the reward tiers still open on the plan's day."""
    tiers = [f"· {t.until.isoformat()} 前（含）：每户 {num(t.amount)} 元" for t in p.open_tiers]
    if tiers:
        head = "您打算哪天签约？现在签约还能享受的签约奖励按日期分档："
    elif p.tiers_closed:
        head = f"您打算哪天签约？{p.closed_tiers_text()}"
    else:
        head = "您打算哪天签约？（方案未设签约奖励）"
    example = p.open_tiers[0].until if p.open_tiers else (p.as_of or p.programme.signing_start)
    how = "点按钮，或打字输入日期" if tiers else "请打字输入日期"
    period = f"签约期 {p.programme.signing_start.isoformat()} 至 {p.programme.signing_end.isoformat()}。"
    return "\n".join((head, *tiers, f"{period}{how}（如 {example.isoformat()}）；还没定就点“跳过”（暂不计签约奖励）。"))


def _detail_line(number: int, line: Line) -> list[str]:
    out = [f"{number}. {line.label}：{yuan(line.amount)} 元", f"   算法：{line.formula}", f"   依据：{line.source}"]
    if line.note:
        out.append(f"   说明：{line.note}")
    return out


def _net_words(option: Option) -> str:
    if option.net > 0:
        return "扣除房款后您领取"
    if option.net < 0:
        return f"您需补交 {yuan(-option.net)} 元"
    return "正好相抵"


def _short(amount: Decimal | None) -> str:
    """446420.00 → "446,420"; 44642.50 → "44,642.50"; no amount → "—"."""
    return "—" if amount is None else yuan(amount).removesuffix(".00")


def _pad(label: str) -> str:
    return label + "　" * max(LABEL_WIDTH - len(label), 0) + "　"


def _abbrev(source: str, plan: str) -> str:
    return source.replace(REGULATION, "条例").replace(APPRAISAL_RULES, "评估办法").replace(plan, "方案")
