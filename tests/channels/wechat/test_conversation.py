"""Whole conversations over the Official Account interface, plain and safe mode, through real HTTP."""

from __future__ import annotations

from tests.channels.wechat.conftest import numbered
from tests.support.fake_wechat import FakeWeChatApi
from tests.support.wechat_client import WeChatResident


async def test_subscribe_gets_the_welcome_and_the_numbered_menu(resident: WeChatResident) -> None:
    (delivery,) = await resident.deliver(resident.event_xml("subscribe"))
    assert delivery.status == 200 and "安居助手" in delivery.text
    assert list(numbered(delivery.text)) == ["咨询政策", "估算补偿", "登记诉求", "申请帮助", "查进度", "转人工"]
    assert delivery.reply["ToUserName"] == resident.openid and delivery.reply["MsgType"] == "text"


async def test_question_gets_a_cited_answer_and_a_number_picks_a_button(resident: WeChatResident) -> None:
    delivery = await resident.say("搬迁费怎么算")
    assert "依据：" in delivery.text and "第二十二条" in delivery.text
    choices = numbered(delivery.text)
    assert "有用" in choices
    thanks = await resident.say(str(choices["有用"]))
    assert "谢谢" in thanks.text


async def test_menu_click_event_presses_the_button(resident: WeChatResident) -> None:
    (delivery,) = await resident.deliver(resident.event_xml("CLICK", "intent:human"))
    assert "12345" in delivery.text and "电话" in delivery.text


async def test_voice_with_recognition_is_read_as_typed_text(resident: WeChatResident) -> None:
    (heard,) = await resident.deliver(resident.voice_xml("过渡费怎么发"))
    assert "临时安置费" in heard.text and "依据：" in heard.text
    (unheard,) = await resident.deliver(resident.voice_xml(None))
    assert "语音" in unheard.text and "12345" in unheard.text


async def test_location_and_image_are_acknowledged(resident: WeChatResident) -> None:
    (located,) = await resident.deliver(resident.location_xml(31.2304, 121.4737, "示例县东关街18号"))
    assert "位置" in located.text
    (pictured,) = await resident.deliver(resident.image_xml())
    assert "图片" in pictured.text


async def test_other_messages_and_events_are_handled_quietly(resident: WeChatResident) -> None:
    (video,) = await resident.deliver(resident._xml("video", {"MediaId": "m", "ThumbMediaId": "t"}))
    assert "打字" in video.text
    for event in ("unsubscribe", "VIEW", "TEMPLATESENDJOBFINISH"):
        (quiet,) = await resident.deliver(resident.event_xml(event, "x"))
        assert quiet.status == 200 and quiet.body == "success"


async def test_a_number_with_nothing_shown_is_an_ordinary_question(resident: WeChatResident) -> None:
    delivery = await resident.say("3")
    assert delivery.status == 200 and delivery.text


async def test_url_verification_echoes_echostr(resident: WeChatResident) -> None:
    query = {**resident.signed_query(), "echostr": "5838479218127813673"}
    response = await resident.client.get("/wechat", params=query)
    assert response.status == 200 and await response.text() == "5838479218127813673"
    query["signature"] = "0" * 40
    assert (await resident.client.get("/wechat", params=query)).status == 403


async def test_nothing_reaches_the_api_for_passive_replies(resident: WeChatResident, wechat_api: FakeWeChatApi) -> None:
    await resident.say("搬迁费怎么算")
    assert wechat_api.calls == []
