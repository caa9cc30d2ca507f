"""Jinja filters the staff pages and /stats share: Beijing-time dates and percentages."""

from __future__ import annotations

from datetime import datetime

import jinja2

from bot.cases.workdays import format_due, format_moment


def moment(value: datetime | None) -> str:
    return format_moment(value) if value is not None else ""


def due(value: datetime | None) -> str:
    return format_due(value) if value is not None else "—"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def install(env: jinja2.Environment) -> None:
    env.filters.update(moment=moment, due=due, percent=percent)
