"""Jinja filters the staff pages, /stats and the published results share: Beijing-time dates, percentages, yuan and
areas (a missing figure is shown as —)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import jinja2

from bot.cases.workdays import format_due, format_moment
from bot.compensation.fmt import yuan as format_yuan


def moment(value: datetime | None) -> str:
    return format_moment(value) if value is not None else ""


def due(value: datetime | None) -> str:
    return format_due(value) if value is not None else "—"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def yuan(value: Decimal | None) -> str:
    return "—" if value is None else format_yuan(value)


def area(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def install(env: jinja2.Environment) -> None:
    env.filters.update(moment=moment, due=due, percent=percent, yuan=yuan, area=area)
