"""An estimate as side-by-side rows — 货币补偿 | 产权调换 — the one layout behind the chat's table, the /calc page and
the CLI's text table. Amounts stay Decimal (None: the item does not exist for that option); each renderer formats.

Rows in order: one per item of either option (in the order the options list them), 补偿合计, one per payment for
the resettlement flat, 应付安置房房款合计 (when there are payments), 净额.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bot.compensation.model import Estimate, Line

RowKind = Literal["line", "total", "payment", "payments_total", "net"]
# labels short enough for a phone's narrow bubble (four characters)
SHORT_LABELS = {
    "house_value": "房屋价值",
    "unregistered_value": "未登记房",
    "decoration": "装修附属",
    "business_loss": "停业损失",
    "relocation_fee": "搬迁费",
    "transition_fee": "临时安置",
    "signing_reward": "签约奖励",
    "money_option_reward": "货币奖励",
    "total": "补偿合计",
    "payments_total": "减安置房",
    "net": "净额",
}
NET_LABEL = "净额（正数领取，负数补交）"


@dataclass(frozen=True)
class Row:
    """One row: the amount of each option, and per option (or "" for both alike) how it is computed and its rule."""

    key: str
    label: str
    short: str
    money: Decimal | None
    exchange: Decimal | None
    kind: RowKind = "line"
    formulas: tuple[tuple[str, str], ...] = ()
    sources: tuple[tuple[str, str], ...] = ()


def side_by_side(estimate: Estimate) -> tuple[Row, ...]:
    """The rows of both options of `estimate`."""
    money, exchange = estimate.money, estimate.exchange
    keys = list(dict.fromkeys(line.key for line in (*money.lines, *exchange.lines)))
    rows = [_row(key, money.line(key), exchange.line(key), "line") for key in keys]
    rows.append(_total("total", "补偿合计", money.total, exchange.total, "total"))
    rows += [_row(line.key, money.line(line.key), line, "payment") for line in exchange.payments]
    if exchange.payments:
        paid = money.payments_total if money.payments else None
        rows.append(_total("payments_total", "应付安置房房款合计", paid, exchange.payments_total, "payments_total"))
    rows.append(_total("net", NET_LABEL, money.net, exchange.net, "net"))
    return tuple(rows)


def _row(key: str, money: Line | None, exchange: Line | None, kind: RowKind) -> Row:
    some = money or exchange
    assert some is not None
    return Row(
        key=key,
        label=some.label,
        short=SHORT_LABELS.get(key, some.label),
        money=None if money is None else money.amount,
        exchange=None if exchange is None else exchange.amount,
        kind=kind,
        formulas=per_option(money.formula if money else None, exchange.formula if exchange else None),
        sources=per_option(money.source if money else None, exchange.source if exchange else None),
    )


def _total(key: str, label: str, money: Decimal | None, exchange: Decimal, kind: RowKind) -> Row:
    return Row(key, label, SHORT_LABELS[key], money, exchange, kind)


def per_option(money: str | None, exchange: str | None) -> tuple[tuple[str, str], ...]:
    """One text for both options when they agree, else each with its option's name."""
    if money is not None and money == exchange:
        return (("", money),)
    parts = []
    if money is not None:
        parts.append(("货币补偿", money))
    if exchange is not None:
        parts.append(("产权调换", exchange))
    return tuple(parts)
