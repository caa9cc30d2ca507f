"""The 绑定 Telegram page: logged-in staff only, the code is issued by a CSRF-checked POST and shown once, a new code
retires the previous one. (Redeeming codes over Telegram: tests/channels/telegram/test_groups.py.)"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.models import TelegramLinkCode
from bot.cases.telegram_links import LinkOutcome, code_hash, redeem_code
from tests.staff.agent import StaffAgent
from tests.support.clock import FakeClock

CODE = re.compile(r'id="link-code"><strong>([A-Z0-9]+)</strong>')
codes = TelegramLinkCode.__table__


async def test_codes_are_issued_once_and_only_to_logged_in_staff(
    login: Callable[[str], Awaitable[StaffAgent]],
    agents,
    app_engine: AsyncEngine,  # noqa: ANN001
    clock: FakeClock,
) -> None:
    anonymous = await agents()
    response = await anonymous.get("/staff/telegram")
    assert response.status == 303 and response.headers["Location"].startswith("/staff/login")

    comp1 = await login("comp1")
    page = await comp1.page("/staff/telegram")
    assert "尚未绑定" in page and not CODE.search(page)
    assert (await comp1.post("/staff/telegram", csrf=False)).status == 403
    first = CODE.search(await (await comp1.post("/staff/telegram")).text()).group(1)
    second = CODE.search(await (await comp1.post("/staff/telegram")).text()).group(1)
    assert first != second and len(second) == 10
    assert first not in await comp1.page("/staff/telegram")  # shown in the POST's answer only

    async with app_engine.begin() as conn:
        stored = set((await conn.execute(select(codes.c.code_hash))).scalars())
        assert stored == {code_hash(first), code_hash(second)}
        assert (await redeem_code(conn, first, 4242, clock())).outcome is LinkOutcome.INVALID  # retired
        assert (await redeem_code(conn, second, 4242, clock())).outcome is LinkOutcome.LINKED
    assert "已绑定" in await comp1.page("/staff/telegram")
