"""A case's photos on the staff side: shown to whoever may see the case, the full picture's every opening in the
history, a photo not (yet) fetched explained on the page; 404 for another department, for the accused department
of a staff-conduct complaint, for a photo under another case's address and for a made-up id; login first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.attachments import records
from bot.attachments.records import Status
from bot.cases.models import Case
from bot.cases.vocabulary import Category
from bot.media import ATTACHMENTS
from tests.staff.agent import StaffAgent
from tests.support.cases import event_kinds
from tests.support.clock import FakeClock
from tests.support.media_files import photo

Login = Callable[[str], Awaitable[StaffAgent]]
cases = Case.__table__


async def with_photos(client, app_engine: AsyncEngine, number: str, *attachment_ids: str) -> None:
    files = [{"channel": "web", "file_id": a, "caption": "阁楼照片", "attachment_id": a} for a in attachment_ids]
    async with app_engine.begin() as conn:
        await conn.execute(update(cases).where(cases.c.number == number).values(details={"attachments": files}))


async def stored_photo(client, key: str) -> str:
    return await client.app[ATTACHMENTS].keep_upload("web", "resident-1", key, photo())


async def test_photos_follow_the_case_scope_and_openings_are_in_the_history(
    client, login: Login, file, app_engine: AsyncEngine, clock: FakeClock
) -> None:
    case = await file(category=Category.COMPENSATION)
    other = await file(category=Category.COMPENSATION, description="另一件")
    shown = await stored_photo(client, "m1")
    pending = await records.register(
        app_engine,
        channel="wechat",
        user_key="o1",
        message_key="m2",
        kind="image",
        source="media-2",
        now=clock(),
        fetch_before=None,
    )
    await records.mark(app_engine, pending, error="图片暂时没能从微信取回，系统会自动重试。")
    lost = await records.register(
        app_engine,
        channel="wechat",
        user_key="o1",
        message_key="m3",
        kind="image",
        source="media-3",
        now=clock(),
        fetch_before=None,
        status=Status.FAILED,
    )
    await records.mark(app_engine, lost, error="未能从微信取回图片（微信已不再提供这个文件）。请联系居民重新发送。")
    await with_photos(client, app_engine, case.number, shown, pending, lost)
    url = f"/staff/cases/{case.number}/attachments/{shown}"

    comp1 = await login("comp1")
    page = await comp1.page(f"/staff/cases/{case.number}")
    assert f'src="{url}/thumb"' in page and f'href="{url}"' in page
    assert "系统会自动重试" in page and "请联系居民重新发送" in page  # the case page says what became of them
    assert (await comp1.get(f"{url}/thumb")).status == 200
    before = (await event_kinds(app_engine, case.id)).count("viewed")
    full = await comp1.get(url)
    assert full.status == 200 and full.content_type == "image/jpeg"
    assert full.headers["Cache-Control"].startswith("private")
    assert (await event_kinds(app_engine, case.id)).count("viewed") == before + 1
    assert "打开了图片材料" in await comp1.page(f"/staff/cases/{case.number}")

    for address in (
        f"/staff/cases/{other.number}/attachments/{shown}",  # not that case's photo
        f"/staff/cases/{case.number}/attachments/{pending}",  # not stored
        f"/staff/cases/{case.number}/attachments/{'A' * 24}",  # made up
        f"/staff/cases/not-a-number/attachments/{shown}",
    ):
        assert (await comp1.get(address)).status == 404, address
    dongguan = await login("dongguan")
    for address in (url, f"{url}/thumb"):
        assert (await dongguan.get(address)).status == 404
    assert (await client.get(url, allow_redirects=False)).status == 303  # not logged in: to the login page


async def test_the_discipline_wall_covers_photos(client, login: Login, file, app_engine: AsyncEngine) -> None:
    conduct = await file(
        category=Category.STAFF_CONDUCT,
        named_unit="wg_dongguan",
        district="dongguan",
        description="东关组工作人员上门时拍桌子威胁",
    )
    evidence = await stored_photo(client, "m9")
    await with_photos(client, app_engine, conduct.number, evidence)
    url = f"/staff/cases/{conduct.number}/attachments/{evidence}"
    for username in ("dongguan", "paidan"):
        agent = await login(username)
        assert (await agent.get(url)).status == 404 and (await agent.get(f"{url}/thumb")).status == 404
    assert (await (await login("jijian")).get(url)).status == 200


async def test_a_recording_is_played_on_the_case_page_and_the_listening_is_in_the_history(
    client, login: Login, file, app_engine: AsyncEngine
) -> None:
    from tests.support.media_files import wav

    case = await file(category=Category.COMPENSATION)
    recording = await client.app[ATTACHMENTS].keep_recording("wechat", "o1", "m5", wav())
    files = [{"kind": "voice", "channel": "wechat", "caption": "补偿款还没到账", "attachment_id": recording}]
    async with app_engine.begin() as conn:
        await conn.execute(update(cases).where(cases.c.number == case.number).values(details={"attachments": files}))
    url = f"/staff/cases/{case.number}/attachments/{recording}"
    comp1 = await login("comp1")
    page = await comp1.page(f"/staff/cases/{case.number}")
    assert f'<audio controls preload="none" src="{url}"' in page and "识别为：补偿款还没到账" in page
    played = await comp1.get(url)
    assert played.status == 200 and played.content_type == "audio/wav"
    assert (await comp1.get(f"{url}/thumb")).status == 404
    assert "打开了语音材料" in await comp1.page(f"/staff/cases/{case.number}")
    assert (await (await login("dongguan")).get(url)).status == 404
