"""Case notices past WeChat's customer-service window go as the county's template message (模板消息) through the
fake WeChat API; without a configured template they stay undeliverable and 查进度 shows them; the admins are told
what to configure, and nothing invents a template id."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from bot import keys
from bot.app import create_app
from bot.cases.staff import find_account
from bot.channels.wechat.templates import NOT_CONFIGURED, NoticeTemplate, TemplateSettingsError, load_template
from bot.settings import Settings
from bot.staff.session import COOKIE
from bot.staff.state import STAFF
from knowledge.base import KnowledgeBase
from tests.channels.wechat.conftest import numbered, wechat_settings
from tests.staff.agent import StaffAgent
from tests.support.cases import add_user
from tests.support.clock import FakeClock
from tests.support.fake_wechat import APP_ID, FakeWeChatApi
from tests.support.wechat_client import WeChatResident

NUMBER = re.compile(r"AJ-2026-\d{6}")
TEMPLATE_ID = "Xn4G0Q-county-case-progress-7Yb2"  # what the county copies from its account's admin
FIELDS = "keyword1=number,keyword2=event,keyword3=time,remark=hint"
BASE_URL = "https://anju.example.gov.cn"


async def _app(
    aiohttp_client,
    settings: Settings,
    api: FakeWeChatApi,
    kb: KnowledgeBase,  # noqa: ANN001
    clock: FakeClock,
    **extra: object,
) -> TestClient:
    return await aiohttp_client(
        create_app(wechat_settings(settings, api, False, public_base_url=BASE_URL, **extra), clock=clock, knowledge=kb)
    )


@pytest.fixture
def templated(aiohttp_client, settings, wechat_api, kb, clock):  # noqa: ANN001, ANN201
    wechat_api.templates[TEMPLATE_ID] = {"first", "keyword1", "keyword2", "keyword3", "remark"}
    return _app(
        aiohttp_client,
        settings,
        wechat_api,
        kb,
        clock,
        wechat_notice_template_id=TEMPLATE_ID,
        wechat_notice_template_fields=FIELDS,
    )


async def _complaint(resident: WeChatResident) -> str:
    await resident.deliver(resident.event_xml("CLICK", "intent:complaint"))
    for label in ("补偿款没按时发", "西街片区"):
        await resident.deliver(resident.text_xml(str(numbered(resident.last.text)[label])))
    for answer in ("西街社区5号", "协议签了两个月，补偿款还没到账", "尽快支付", "13800138000"):
        await resident.deliver(resident.text_xml(answer))
    (done,) = await resident.deliver(resident.text_xml(str(numbered(resident.last.text)["确认提交"])))
    return NUMBER.search(done.text).group(0)


async def _staff_reply(client: TestClient, clock: FakeClock, number: str, text: str) -> None:
    staff = await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    await client.app[keys.CASES].claim(staff, number)
    await client.app[keys.CASES].reply(staff, number, text)


async def test_a_staff_reply_three_days_later_reaches_the_resident_as_a_template_message(
    templated, wechat_api: FakeWeChatApi, clock: FakeClock
) -> None:  # noqa: ANN001
    client = await templated
    resident = WeChatResident(client, clock, safe=False, app_id=APP_ID)
    number = await _complaint(resident)
    clock.advance(days=3)  # the resident has not written since: the 48-hour window is closed
    await _staff_reply(client, clock, number, "补偿款已安排本周内支付。")
    report = await client.app[keys.OUTBOX].tick()

    assert report.delivered == 2 and report.undeliverable == 0  # 签收 (accepted) and the reply
    assert wechat_api.sent == []  # no customer-service message tried: WeChat would refuse it (45015)
    reply = wechat_api.template_messages[-1]
    assert reply["touser"] == resident.openid and reply["template_id"] == TEMPLATE_ID
    assert reply["url"] == f"{BASE_URL}/chat"
    assert reply["data"]["keyword1"] == {"value": number}
    assert reply["data"]["keyword2"] == {"value": "工作人员已答复"}
    assert reply["data"]["keyword3"]["value"].startswith("2026年9月18日")  # Beijing time of the notice
    assert "查进度" in reply["data"]["remark"]["value"]
    # the resident writes again: nothing is reported as undelivered, and the reply itself is there
    (status,) = await resident.deliver(resident.event_xml("CLICK", "intent:status"))
    assert number in status.text and "没能推送" not in status.text


async def test_the_sixth_notice_of_a_window_goes_as_a_template_message(
    templated,
    wechat_api: FakeWeChatApi,  # noqa: ANN001
    clock: FakeClock,
) -> None:
    client = await templated
    resident = WeChatResident(client, clock, safe=False, app_id=APP_ID)
    number = await _complaint(resident)
    await _staff_reply(client, clock, number, "第一次答复")  # 签收 + reply: 2 of the window's 5
    for n in range(2, 6):
        await client.app[keys.CASES].reply((await _account(client, "buchang")), number, f"第 {n} 次答复")
    await client.app[keys.OUTBOX].tick()
    assert len(wechat_api.texts_to(resident.openid)) == 5  # the window's quota
    assert [m["data"]["keyword2"]["value"] for m in wechat_api.template_messages] == ["工作人员已答复"]


async def _account(client: TestClient, username: str):  # noqa: ANN202
    from bot.cases.staff import load_viewer

    async with client.app[keys.ENGINE].connect() as conn:
        account = await find_account(conn, username)
        return await load_viewer(conn, account.user.id)


@pytest.mark.parametrize(("errcode", "status"), [(40037, "undeliverable"), (43004, "undeliverable"), (-1, "pending")])
async def test_template_refusals(
    templated,
    wechat_api: FakeWeChatApi,
    clock: FakeClock,  # noqa: ANN001
    errcode: int,
    status: str,
) -> None:
    client = await templated
    resident = WeChatResident(client, clock, safe=False, app_id=APP_ID)
    number = await _complaint(resident)
    clock.advance(days=3)
    if errcode == 43004:
        wechat_api.unsubscribed.add(resident.openid)
    else:
        wechat_api.fail_next(errcode)
        wechat_api.fail_next(errcode)
    await _staff_reply(client, clock, number, "补偿款已安排本周内支付。")
    report = await client.app[keys.OUTBOX].tick()
    assert (report.undeliverable if status == "undeliverable" else report.retried) == 2
    if status == "undeliverable":  # nothing lost: 查进度 tells the resident
        (status_reply,) = await resident.deliver(resident.event_xml("CLICK", "intent:status"))
        assert "2 条进展通知没能推送给您" in status_reply.text


async def test_without_a_template_the_admins_are_told_and_notices_stay_undeliverable(
    aiohttp_client,
    settings: Settings,
    wechat_api: FakeWeChatApi,
    kb: KnowledgeBase,
    clock: FakeClock,  # noqa: ANN001
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await _app(aiohttp_client, settings, wechat_api, kb, clock)
    assert "ANJU_WECHAT_NOTICE_TEMPLATE_ID" in caplog.text  # the warning at start
    resident = WeChatResident(client, clock, safe=False, app_id=APP_ID)
    number = await _complaint(resident)
    clock.advance(days=3)
    await _staff_reply(client, clock, number, "补偿款已安排本周内支付。")
    assert (await client.app[keys.OUTBOX].tick()).undeliverable == 2 and wechat_api.calls == []
    assert wechat_api.template_messages == []

    admin_page = await _staff_page(client, clock, "admin", "admin")
    assert 'id="wechat-template-warning"' in admin_page and "ANJU_WECHAT_NOTICE_TEMPLATE_ID" in admin_page
    staff_page = await _staff_page(client, clock, "buchang", None)
    assert "wechat-template-warning" not in staff_page  # only admins can do something about it


async def test_a_configured_template_shows_no_warning(templated, clock: FakeClock) -> None:  # noqa: ANN001
    client = await templated
    assert "wechat-template-warning" not in await _staff_page(client, clock, "admin", "admin")


async def _staff_page(client: TestClient, clock: FakeClock, username: str, role: str | None) -> str:
    async with client.app[keys.ENGINE].connect() as conn:
        account = await find_account(conn, username)
    if account is None:
        await add_user(
            client.app[keys.ENGINE],
            username,
            role or "department_staff",
            None if role == "admin" else "comp_office",
            clock(),
        )
        async with client.app[keys.ENGINE].connect() as conn:
            account = await find_account(conn, username)
    agent = StaffAgent(client)
    try:
        cookies = client.app[STAFF].cookies
        agent.session.cookie_jar.update_cookies(
            {COOKIE: cookies.dumps(cookies.for_staff(account.user.id, account.password_hash))},
            client.server.make_url("/staff"),
        )
        return await agent.page("/staff")
    finally:
        await agent.close()


def test_template_settings_are_checked_never_guessed() -> None:
    assert load_template("", "") == (None, NOT_CONFIGURED)
    template, warning = load_template(TEMPLATE_ID, FIELDS)
    assert warning == "" and template == NoticeTemplate(
        TEMPLATE_ID, (("keyword1", "number"), ("keyword2", "event"), ("keyword3", "time"), ("remark", "hint"))
    )
    for template_id, fields in [
        (TEMPLATE_ID, ""),
        ("", FIELDS),
        (TEMPLATE_ID, "keyword1=phone"),
        (TEMPLATE_ID, "keyword1"),
        ("bad id!", FIELDS),
        (TEMPLATE_ID, "remark=hint"),
    ]:
        with pytest.raises(TemplateSettingsError):
            NoticeTemplate.from_settings(template_id, fields)
        assert load_template(template_id, fields)[1].startswith("微信模板消息设置有误")
