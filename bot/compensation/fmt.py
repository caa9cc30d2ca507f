"""How numbers appear to residents: exact quantities in formulas, yuan with two decimals, rates as percent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_FEN = Decimal("0.01")


def fen(value: Decimal) -> Decimal:
    """Round to 0.01 yuan (half up) — done once per line, at the end of its computation."""
    return value.quantize(_FEN, rounding=ROUND_HALF_UP)


def num(value: Decimal | int) -> str:
    """An exact number with thousands separators and no trailing zeros: 5200 → "5,200", 85.50 → "85.5"."""
    text = f"{Decimal(value):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def price(value: Decimal) -> str:
    """A unit price: exact when it has at most two decimals ("5,200"), else rounded to the fen ("约 5,294.12")."""
    return num(value) if fen(value) == value else f"约 {yuan(value)}"


def yuan(value: Decimal) -> str:
    """Money with thousands separators and two decimals: "1,500.00"."""
    return f"{fen(value):,.2f}"


def plain(value: Decimal) -> str:
    """Money for machines: two decimals, no separators: "1500.00"."""
    return f"{fen(value):.2f}"


def percent(rate: Decimal) -> str:
    """0.06 → "6%", 0.015 → "1.5%", -0.01 → "-1%"."""
    return f"{num(rate * 100)}%"
