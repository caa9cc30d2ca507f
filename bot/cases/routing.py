"""Routing: category × district → department, from knowledge/routing.yaml into the database (where the dashboard
edits the rules), with the dispatcher queue for what no rule matches.

The discipline wall: staff-conduct complaints always go to 纪检监察 — whatever the rules say — and remember the
department they name, which never sees them (bot.cases.scope) and can never be given them (CaseService.transfer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases.models import Department, RoutingRule
from bot.cases.vocabulary import URGENT_CATEGORIES, Category, DepartmentKind
from bot.db.base import table_of
from bot.db.upsert import insert_ignore, upsert

ROUTING_FILE = "routing.yaml"
ANY_DISTRICT = "*"
departments = table_of(Department)
rules = table_of(RoutingRule)


class RoutingError(ValueError):
    """routing.yaml is inconsistent (unknown category, department or kind)."""


@dataclass(frozen=True)
class Route:
    department_id: int | None
    named_department_id: int | None
    urgent: bool
    dispatched: bool  # False: the case waits in the dispatcher queue


@dataclass(frozen=True)
class RoutingFile:
    departments: tuple[Mapping[str, Any], ...]
    rules: tuple[Mapping[str, str], ...]


def read_routing_file(path: Path) -> RoutingFile:
    """Parse and check routing.yaml."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RoutingError(f"{path}: {exc}") from None
    depts = tuple(data.get("departments") or ())
    codes = {d.get("code") for d in depts}
    for d in depts:
        if not d.get("code") or not d.get("name") or d.get("kind") not in set(DepartmentKind):
            raise RoutingError(f"{path}: department needs code, name and a known kind: {d!r}")
    kinds = [d["kind"] for d in depts]
    if kinds.count(DepartmentKind.DISPATCH) != 1 or kinds.count(DepartmentKind.DISCIPLINE) != 1:
        raise RoutingError(f"{path}: exactly one dispatch and one discipline department are needed")
    rule_list = tuple(data.get("rules") or ())
    for r in rule_list:
        if r.get("category") not in set(Category) or r.get("department") not in codes or not r.get("district"):
            raise RoutingError(f"{path}: rule needs a known category, a district and a listed department: {r!r}")
    return RoutingFile(depts, rule_list)


async def load_routing(conn: AsyncConnection, path: Path, now: datetime, replace: bool = False) -> int:
    """Add the file's departments (names updated) and rules (existing rules kept unless `replace`); the number of
    rules written."""
    spec = read_routing_file(path)
    for d in spec.departments:
        values = {
            "code": d["code"],
            "name": d["name"],
            "kind": d["kind"],
            "district": d.get("district"),
            "active": True,
            "created_at": now,
        }
        await upsert(
            conn, departments, values, ("code",), {"name": d["name"], "kind": d["kind"], "district": d.get("district")}
        )
    ids = await department_ids(conn)
    written = 0
    for r in spec.rules:
        values = {
            "category": r["category"],
            "district": str(r["district"]),
            "department_id": ids[r["department"]],
            "updated_at": now,
        }
        if replace:
            await upsert(
                conn,
                rules,
                values,
                ("category", "district"),
                {"department_id": values["department_id"], "updated_at": now},
            )
            written += 1
        else:
            written += await insert_ignore(conn, rules, values, ("category", "district"))
    return written


async def seed_routing_if_empty(engine: AsyncEngine, path: Path, now: datetime) -> bool:
    """Load routing.yaml into a database that has no departments yet; True if it did."""
    async with engine.begin() as conn:
        if await conn.scalar(select(func.count()).select_from(departments)):
            return False
        await load_routing(conn, path, now)
        return True


async def department_ids(conn: AsyncConnection) -> dict[str, int]:
    rows = await conn.execute(select(departments.c.code, departments.c.id))
    return dict(rows.all())


async def special_department(conn: AsyncConnection, kind: DepartmentKind) -> int | None:
    """The id of the dispatcher queue or of 纪检监察."""
    return await conn.scalar(
        select(departments.c.id)
        .where(departments.c.kind == kind, departments.c.active.is_(True))
        .order_by(departments.c.id)
        .limit(1)
    )


async def route(conn: AsyncConnection, category: str, district: str, named_unit: str | None = None) -> Route:
    """Where a new case goes; `named_unit` is the code of the department a staff-conduct complaint is about."""
    urgent = category in URGENT_CATEGORIES
    if category == Category.STAFF_CONDUCT:
        discipline = await special_department(conn, DepartmentKind.DISCIPLINE)
        named = None
        if named_unit:
            named = await conn.scalar(select(departments.c.id).where(departments.c.code == named_unit))
        return Route(discipline, named, urgent, dispatched=discipline is not None)
    for wanted in (district, ANY_DISTRICT):
        found = await conn.scalar(
            select(rules.c.department_id)
            .join(departments, departments.c.id == rules.c.department_id)
            .where(rules.c.category == category, rules.c.district == wanted, departments.c.active.is_(True))
        )
        if found is not None:
            return Route(found, None, urgent, dispatched=True)
    return Route(await special_department(conn, DepartmentKind.DISPATCH), None, urgent, dispatched=False)


# -- rules as the dashboard edits them ---------------------------------------------------------------------------


async def list_rules(conn: AsyncConnection) -> list[Row]:
    """Every rule with its department's code and name, by category and district."""
    query = (
        select(
            rules.c.id,
            rules.c.category,
            rules.c.district,
            rules.c.department_id,
            departments.c.code.label("department_code"),
            departments.c.name.label("department_name"),
        )
        .join(departments, departments.c.id == rules.c.department_id)
        .order_by(rules.c.category, rules.c.district)
    )
    return list((await conn.execute(query)).all())


async def set_rule(conn: AsyncConnection, category: str, district: str, department_id: int, now: datetime) -> None:
    if category not in set(Category) or category == Category.STAFF_CONDUCT:
        raise RoutingError(f"cannot route category {category!r} by rule")
    await upsert(
        conn,
        rules,
        {"category": category, "district": district, "department_id": department_id, "updated_at": now},
        ("category", "district"),
        {"department_id": department_id, "updated_at": now},
    )


async def delete_rule(conn: AsyncConnection, rule_id: int) -> bool:
    return (await conn.execute(delete(rules).where(rules.c.id == rule_id))).rowcount == 1


async def complaint_units(conn: AsyncConnection) -> list[tuple[str, str]]:
    """(code, name) of the departments a staff-conduct complaint can name: work groups and offices."""
    rows = await conn.execute(
        select(departments.c.code, departments.c.name)
        .where(
            departments.c.kind.in_([DepartmentKind.WORK_GROUP, DepartmentKind.OFFICE]), departments.c.active.is_(True)
        )
        .order_by(departments.c.kind.desc(), departments.c.id)
    )
    return [(code, name) for code, name in rows]
