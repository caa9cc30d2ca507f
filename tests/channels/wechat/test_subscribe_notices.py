"""Case notices past WeChat's customer-service window as 订阅通知 (subscribe notices, `POST
/cgi-bin/message/subscribe/bizsend`) when the settings choose them: a staff reply three days after the resident's
last message reaches a resident who subscribed; one who did not (43101) is told why in 查进度; without a subscribe
template the admins are told what to fill in, and a field mapping WeChat would refuse is refused at start."""

from __future__ import annotations

import pytest

from bot import keys
from bot.channels.wechat.templates import NoticeKind, NoticeTemplate, TemplateSettingsError, load_template
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.channels.wechat.conftest import numbered
from tests.channels.wechat.test_templates import BASE_URL, _app, _complaint, _staff_page, _staff_reply
from tests.support.clock import FakeClock
from tests.support.fake_wechat import APP_ID, FakeWeChatApi
from tests.support.wechat_client import WeChatResident

SUBSCRIBE_ID = "Vr0Ue-county-progress-subscribe-9Nc"  # what the county copies from 订阅通知 → 我的模板
FIELDS = "character_string1=number,thing2=event,time3=time,thing4=hint"
NOT_SUBSCRIBED = "您没有订阅（或已取消订阅）公众号的案件进展通知"


@pytest.fixture
def subscribing(aiohttp_client, settings, wechat_api, kb, clock):  # noqa: ANN001, ANN201
    wechat_api.subscribe_templates[SUBSCRIBE_ID] = {"character_string1", "thing2", "time3", "thing4"}
    return _app(
        aiohttp_client,
        settings,
        wechat_api,
        kb,
        clock,
        wechat_notice_kind="subscribe",
        wechat_subscribe_template_id=SUBSCRIBE_ID,
        wechat_subscribe_template_fields=FIELDS,
    )


async def test_a_staff_reply_three_days_later_reaches_a_subscribed_resident_as_a_subscribe_notice(
    subscribing, wechat_api: FakeWeChatApi, clock: FakeClock
) -> None:  # noqa: ANN001
    client = await subscribing
    resident = WeChatResident(client, clock, safe=False, app_id=APP_ID)
    number = await _complaint(resident)
    wechat_api.subscribe(resident.openid, SUBSCRIBE_ID)  # long-term, as 政务民生 accounts may ask
    clock.advance(days=3)  # the resident has not written since: the 48-hour window is closed
    await _staff_reply(client, clock, number, "补偿款已安排本周内支付。")
    report = await client.app[keys.OUTBOX].tick()

    assert report.delivered == 2 and report.undeliverable == 0  # 签收 (accepted) and the reply
    assert wechat_api.sent == [] and wechat_api.template_messages == []  # neither custom nor template messages
    assert [c.path for c in wechat_api.calls if c.path != "/cgi-bin/token"] == [
        "/cgi-bin/message/subscribe/bizsend"
    ] * 2
    reply = wechat_api.subscribe_messages[-1]
    assert reply["touser"] == resident.openid and reply["template_id"] == SUBSCRIBE_ID
    assert reply["page"] == f"{BASE_URL}/chat" and "url" not in reply
    assert reply["data"]["character_string1"] == {"value": number}
    assert reply["data"]["thing2"] == {"value": "工作人员已答复"}
    assert reply["data"]["time3"]["value"].startswith("2026年9月18日")  # Beijing time of the notice
    assert "查进度" in reply["data"]["thing4"]["value"] and len(reply["data"]["thing4"]["value"]) <= 20
    (status,) = await resident.deliver(resident.event_xml("CLICK", "intent:status"))
    assert number in status.text and "没能推送" not in status.text


async def test_a_resident_who_did_not_subscribe_is_told_why_in_cha_jin_du(
    subscribing, wechat_api: FakeWeChatApi, clock: FakeClock
) -> None:  # noqa: ANN001
    client = await subscribing
    resident = WeChatResident(client, clock, safe=False, app_id=APP_ID)
    number = await _complaint(resident)
    wechat_api.subscribe(resident.openid, SUBSCRIBE_ID, times=1)  # one-time: one notice, then 43101
    clock.advance(days=3)
    await _staff_reply(client, clock, number, "补偿款已安排本周内支付。")
    report = await client.app[keys.OUTBOX].tick()

    assert report.delivered == 1 and report.undeliverable == 1
    assert [c.errcode for c in wechat_api.calls if c.path.endswith("bizsend")] == [0, 43101]
    (listed,) = await resident.deliver(resident.event_xml("CLICK", "intent:status"))
    assert "1 条进展通知没能推送给您" in listed.text
    (detail,) = await resident.deliver(resident.text_xml(str(numbered(listed.text)[f"查看 {number}"])))
    assert NOT_SUBSCRIBED in detail.text and "43101" not in detail.text  # the reason, in words, no code
    assert "48 小时" not in detail.text  # not the customer-service window's explanation


async def test_without_a_subscribe_template_the_admins_are_told_what_to_fill_in(
    aiohttp_client,  # noqa: ANN001
    settings: Settings,
    wechat_api: FakeWeChatApi,
    kb: KnowledgeBase,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await _app(aiohttp_client, settings, wechat_api, kb, clock, wechat_notice_kind="subscribe")
    assert "ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID" in caplog.text  # the warning at start
    resident = WeChatResident(client, clock, safe=False, app_id=APP_ID)
    number = await _complaint(resident)
    clock.advance(days=3)
    await _staff_reply(client, clock, number, "补偿款已安排本周内支付。")
    assert (await client.app[keys.OUTBOX].tick()).undeliverable == 2 and wechat_api.calls == []
    admin_page = await _staff_page(client, clock, "admin", "admin")
    assert 'id="wechat-template-warning"' in admin_page and "ANJU_WECHAT_SUBSCRIBE_TEMPLATE_FIELDS" in admin_page
    assert "订阅通知" in admin_page


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ("time1=event,character_string2=number", "event 只能填入 thingN"),
        ("keyword1=number,keyword2=event", "number 只能填入 character_stringN / thingN"),  # a template's names
        ("thing1=hint", "至少要包含案件编号"),
    ],
)
def test_a_subscribe_mapping_wechat_would_refuse_is_refused_at_start(fields: str, says: str) -> None:
    with pytest.raises(TemplateSettingsError, match=says):
        NoticeTemplate.from_settings(SUBSCRIBE_ID, fields, NoticeKind.SUBSCRIBE)
    template, warning = load_template(SUBSCRIBE_ID, fields, NoticeKind.SUBSCRIBE)
    assert (
        template is None
        and warning.startswith("微信订阅通知设置有误")
        and "ANJU_WECHAT_SUBSCRIBE_TEMPLATE_FIELDS" in warning
    )


def test_values_are_cut_to_their_field_types_limits() -> None:
    from datetime import UTC, datetime

    template = NoticeTemplate.from_settings(SUBSCRIBE_ID, "character_string1=number,thing2=event", NoticeKind.SUBSCRIBE)
    assert template is not None
    body = template.body("o-1", {"number": "AJ-2026-000123", "event": "办" * 30}, "", datetime(2026, 9, 18, tzinfo=UTC))
    assert body["data"] == {"character_string1": {"value": "AJ-2026-000123"}, "thing2": {"value": "办" * 20}}
    assert "page" not in body  # no public address configured: no link
