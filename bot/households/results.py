"""The published per-household results of one project (分户补偿情况, 条例第二十九条): 户号, the 户主's name masked
(张** — the database gives only its first character and its length, so the full name never leaves it for this
page), areas, the option chosen and the ledger's amounts, sorted by 户号 along its unique index (SQLite: byte order;
PostgreSQL: the database's collation, byte order under C / C.UTF-8 — 户号 are letters, digits and "-"), a page at
a time. Who may see it, and whether it is published, is decided by the page (bot/web/results.py,
bot/staff/results_page.py), not here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import table_of
from bot.households.models import Household, HouseholdImport
from bot.households.vocabulary import OPTION_LABELS, Option

households = table_of(Household)
imports = table_of(HouseholdImport)
PER_PAGE = 100
MAX_PAGE = 100_000
NUMBER_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,31}")  # a 户号 as the ledger accepts it (cells.household_no)


def mask_name(first: str, length: int) -> str:
    """张三丰 → 张**: the first character, then one * for each of the others."""
    return first + "*" * max(length - 1, 0) if first else ""


@dataclass(frozen=True)
class ResultRow:
    household_no: str
    name: str  # masked
    district: str  # its name, e.g. 东关片区
    legal_area: Decimal
    recognised_area: Decimal | None
    option: str  # 货币补偿 / 产权调换 / "" (not chosen yet)
    assessed_value: Decimal | None
    decoration_value: Decimal | None


@dataclass(frozen=True)
class ResultsPage:
    rows: tuple[ResultRow, ...]
    total: int  # households of the project (matching the 户号 searched for)
    page: int  # 1-based, within 1 … pages
    pages: int
    per_page: int
    data_as_of: datetime | None  # the ledger's last import

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _in_districts(conn: AsyncConnection, districts: Sequence[str]) -> ColumnElement[bool]:
    """The page's filter. On SQLite, `district || ''` keeps the planner off the district index, so that it walks
    the 户号 index in order and stops after the page (with it: every household of the project sorted per request,
    120 ms at 50,000; without: 17 ms). PostgreSQL chooses the 户号 index by itself once the table is analysed."""
    column = households.c.district
    if conn.dialect.name == "sqlite":
        return (column + "").in_(list(districts))
    return column.in_(list(districts))


async def data_as_of(conn: AsyncConnection) -> datetime | None:
    """When the ledger was last imported (the date of every figure shown)."""
    value: datetime | None = await conn.scalar(select(func.max(imports.c.imported_at)))
    return value


async def results_page(
    conn: AsyncConnection,
    districts: Sequence[str],
    district_names: dict[str, str],
    page: int = 1,
    number_prefix: str = "",
    per_page: int = PER_PAGE,
) -> ResultsPage:
    """Page `page` (clamped to the pages there are) of the households of `districts`, by 户号; `number_prefix`
    keeps the 户号 that start with it."""
    where: list[ColumnElement[bool]] = [households.c.district.in_(list(districts))]
    if number_prefix:
        # the range lets the 户号 index find them; the exact test keeps only those that start with the prefix
        after = number_prefix[:-1] + chr(ord(number_prefix[-1]) + 1)
        number = households.c.household_no
        where += [number >= number_prefix, number < after, func.substr(number, 1, len(number_prefix)) == number_prefix]
    if number_prefix:  # found along the 户号 index, whose range is narrow; else counted on the district index
        where[0] = _in_districts(conn, districts)
    total = int(await conn.scalar(select(func.count()).select_from(households).where(*where)) or 0)
    where[0] = _in_districts(conn, districts)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = await conn.execute(
        select(
            households.c.household_no,
            func.substr(households.c.head_name, 1, 1).label("first"),
            func.length(households.c.head_name).label("length"),
            households.c.district,
            households.c.legal_area,
            households.c.recognised_area,
            households.c.chosen_option,
            households.c.assessed_value,
            households.c.decoration_value,
        )
        .where(*where)
        .order_by(households.c.household_no)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    found = tuple(
        ResultRow(
            household_no=r.household_no,
            name=mask_name(r.first or "", int(r.length or 0)),
            district=district_names.get(r.district, r.district),
            legal_area=r.legal_area,
            recognised_area=r.recognised_area,
            option=OPTION_LABELS[Option(r.chosen_option)] if r.chosen_option else "",
            assessed_value=r.assessed_value,
            decoration_value=r.decoration_value,
        )
        for r in rows
    )
    return ResultsPage(found, total, page, pages, per_page, await data_as_of(conn))
