"""Staff accounts: create (CLI, demo), find (the dashboard's login), and load the viewer of a service call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.actors import StaffUser
from bot.cases.errors import InvalidInput, NotFound
from bot.cases.models import Department
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.passwords import hash_password
from bot.cases.vocabulary import Role
from bot.db.base import table_of

staff_users = table_of(StaffUserRow)
departments = table_of(Department)
USERNAME = re.compile(r"^[a-z0-9_.-]{3,64}$")


@dataclass(frozen=True)
class StaffAccount:
    """A staff row as the login needs it (hash, lock-out state) — never handed to templates."""

    user: StaffUser
    password_hash: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    telegram_user_id: int | None


async def add_staff(
    conn: AsyncConnection,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    department_code: str | None,
    now: datetime,
    telegram_user_id: int | None = None,
) -> StaffUser:
    """Create an account; department staff and dispatchers need a department."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput("用户名只能用 3–64 位小写字母、数字、点、横线或下划线。")
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidInput(f"没有这个角色：{role}（可选：{', '.join(r.value for r in Role)}）。") from None
    department_id = None
    if department_code:
        department_id = await conn.scalar(select(departments.c.id).where(departments.c.code == department_code))
        if department_id is None:
            raise InvalidInput(f"没有这个单位：{department_code}。")
    elif role_value in (Role.DEPARTMENT_STAFF, Role.DISPATCHER):
        raise InvalidInput("承办人员和派单员需要指定所属单位（--department）。")
    if await conn.scalar(select(staff_users.c.id).where(staff_users.c.username == username)) is not None:
        raise InvalidInput(f"用户名 {username} 已经存在。")
    staff_id = await conn.scalar(
        staff_users.insert()
        .values(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=hash_password(password),
            role=role_value,
            department_id=department_id,
            active=True,
            failed_logins=0,
            telegram_user_id=telegram_user_id,
            created_at=now,
        )
        .returning(staff_users.c.id)
    )
    return StaffUser(int(staff_id), username, display_name.strip() or username, role_value, department_id)


def _user(row: Row) -> StaffUser:
    return StaffUser(row.id, row.username, row.display_name, Role(row.role), row.department_id)


async def find_account(conn: AsyncConnection, username: str) -> StaffAccount | None:
    row = (await conn.execute(select(staff_users).where(staff_users.c.username == username.strip().lower()))).first()
    if row is None:
        return None
    return StaffAccount(
        _user(row), row.password_hash, row.active, row.failed_logins, row.locked_until, row.telegram_user_id
    )


async def load_viewer(conn: AsyncConnection, staff_id: int) -> StaffUser:
    """The active staff user `staff_id` (the dashboard calls this per request, so role changes apply at once)."""
    row = (
        await conn.execute(select(staff_users).where(staff_users.c.id == staff_id, staff_users.c.active.is_(True)))
    ).first()
    if row is None:
        raise NotFound("没有这个工作人员账号。")
    return _user(row)
