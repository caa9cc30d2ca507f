"""What goes into an estimate (Household) and what comes out (Estimate of two Options made of Lines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Use(StrEnum):
    RESIDENTIAL = "residential"
    BUSINESS = "business"
    MIXED = "mixed"

    @property
    def label(self) -> str:
        return _USE_LABELS[self]


_USE_LABELS = {Use.RESIDENTIAL: "住宅", Use.BUSINESS: "经营用房", Use.MIXED: "商住混合"}


@dataclass(frozen=True)
class Household:
    """The resident's facts. Areas in m², money in 元, unit prices in 元/m²; optional fields may stay None."""

    area: Decimal  # legal (registered) building area
    district_id: str  # district id or Chinese name
    use: Use = Use.RESIDENTIAL
    business_area: Decimal | None = None  # mixed use: the part used for business; business use: defaults to area
    decoration: str | None = None  # decoration level id or label from the parameter file
    decoration_appraisal: Decimal | None = None  # appraised decoration and attachments, instead of a level
    assessed_unit_price: Decimal | None = None  # 评估单价 from the appraisal report
    # or the report's 房屋评估价值 itself (the household ledger keeps that): the legal and the recognised unregistered
    # area together, its unit price the value over their sum — the house value lines then add up to it exactly
    assessed_value: Decimal | None = None
    floor: int | None = None
    orientation: str | None = None
    unregistered_area: Decimal | None = None  # unregistered area recognised as legal
    exchange_area: Decimal | None = None  # area of the resettlement flat chosen; None = same as area
    sign_date: date | None = None
    monthly_profit: Decimal | None = None  # only when the plan's business-loss method is monthly_profit


@dataclass(frozen=True)
class Line:
    """One item: a non-negative amount (rounded to the fen), how it is computed and the rule it comes from."""

    key: str
    label: str
    amount: Decimal
    formula: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class Option:
    """Money compensation or property exchange. net = total − payments_total (positive: the resident receives)."""

    key: str  # "money" | "exchange"
    label: str
    lines: tuple[Line, ...]
    payments: tuple[Line, ...] = ()  # what the resident pays for the resettlement flat

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def payments_total(self) -> Decimal:
        return sum((line.amount for line in self.payments), Decimal("0.00"))

    @property
    def net(self) -> Decimal:
        return self.total - self.payments_total

    def line(self, key: str) -> Line | None:
        return next((line for line in (*self.lines, *self.payments) if line.key == key), None)


@dataclass(frozen=True)
class Estimate:
    county: str
    plan_name: str
    household: Household
    district_id: str
    district_name: str
    use: Use
    unit_price: Decimal  # 元/m² used for the house value (assessed, or reference × adjustments)
    exchange_area: Decimal  # resettlement flat area used (household's, or the legal area)
    money: Option
    exchange: Option
    comparison: str  # plain-language trade-off between the two options
    notes: tuple[str, ...]  # assumptions made for this estimate
    reminder: str  # always: the appraisal report and the agreement decide
    as_of: date | None = None  # the day the estimate was made for (CompensationParams.as_of)

    @property
    def options(self) -> tuple[Option, Option]:
        return (self.money, self.exchange)

    @property
    def difference(self) -> Decimal:
        """money.net − exchange.net: how much more cash the money option brings."""
        return self.money.net - self.exchange.net
