"""What a resident reads on WeChat: prompts worded for a numbered list (回复数字, not 点按钮), and a video, file or
link sent in the middle of a form answered with a clear request for text — plain and safe mode, real HTTP."""

from __future__ import annotations

import re

import pytest

from bot.channels.wechat.render import render
from bot.core.messages import Button, Outbound
from tests.channels.wechat.conftest import numbered
from tests.support.wechat_client import WeChatResident

TAP_WORDS = re.compile(r"点(下面的)?按钮|点“")
NEEDS_TEXT = "这一步需要打字回答"


async def choose(resident: WeChatResident, label: str) -> str:
    choices = numbered(resident.last.text if resident.last else "")
    assert label in choices, (label, choices)
    return (await resident.say(str(choices[label]))).text


async def walk_the_calculator(resident: WeChatResident) -> list[str]:
    """Every prompt of 估算补偿 up to the result, each answered by its number where there is a list."""
    texts = [(await resident.deliver(resident.event_xml("CLICK", "intent:calculator")))[0].text]
    texts.append(await choose(resident, "东关片区"))
    texts.append((await resident.say("85")).text)
    texts.append(await choose(resident, "住宅"))
    texts.append(await choose(resident, "普通装修"))
    texts.append(await choose(resident, "还没有（按参考价）"))
    texts.append(await choose(resident, "跳过"))
    texts.append(await choose(resident, "跳过"))
    return texts


async def test_prompts_say_reply_with_the_number_not_tap_the_button(resident: WeChatResident) -> None:
    # regression (issue 9, point 13): "请点下面的按钮" over a numbered list
    texts = await walk_the_calculator(resident)
    assert "补偿估算结果" in texts[-1]
    first = texts[0]
    assert "您的房子在哪个片区？请回复下面的数字。" in first
    # 返回 and 取消 are named by the numbers they have in this very message
    choices = numbered(first)
    assert f"回复 {choices['返回']}“返回”改上一步" in first and f"回复 {choices['取消']}“取消”不算了" in first
    sign_date = texts[-2]
    assert f"还没定就回复 {numbered(sign_date)['跳过']}“跳过”（暂不计签约奖励）" in sign_date
    assert "回复数字，或打字输入日期" in sign_date
    for text in texts:
        assert not TAP_WORDS.search(text), text
    # a label that is not in the list is named as the words to send
    (cancelled,) = await resident.deliver(resident.text_xml("取消"))
    assert not TAP_WORDS.search(cancelled.text)


async def test_a_wrong_answer_is_worded_for_wechat_too(resident: WeChatResident) -> None:
    await resident.deliver(resident.event_xml("CLICK", "intent:calculator"))
    text = (await resident.say("火星片区")).text
    assert "没有找到片区“火星片区”" in text
    assert not TAP_WORDS.search(text), text
    await resident.say("取消")
    idle = (await resident.say("取消")).text  # outside any form now: the general prompt
    assert "现在没有正在办理的事项" in idle and "回复下面的数字" in idle and not TAP_WORDS.search(idle)


@pytest.mark.parametrize("media", ["video", "file", "link"])
async def test_media_in_the_calculator_asks_for_text(resident: WeChatResident, media: str) -> None:
    # regression (issue 9, point 13): a video inside a form was read as empty text: "没有找到片区“”"
    await resident.deliver(resident.event_xml("CLICK", "intent:calculator"))
    xml = {"video": resident.video_xml, "file": resident.file_xml, "link": resident.link_xml}[media]()
    (reply,) = await resident.deliver(xml)
    assert NEEDS_TEXT in reply.text
    assert "没有找到片区" not in reply.text
    assert "您的房子在哪个片区？" in reply.text and "东关片区" in numbered(reply.text)  # the same question again
    assert "补偿估算结果" in await choose_and_finish(resident)


async def choose_and_finish(resident: WeChatResident) -> str:
    await choose(resident, "东关片区")
    await resident.say("85")
    await choose(resident, "住宅")
    await choose(resident, "普通装修")
    await choose(resident, "还没有（按参考价）")
    await choose(resident, "跳过")
    return await choose(resident, "跳过")


async def test_media_and_images_in_the_calculator_never_count_as_an_answer(resident: WeChatResident) -> None:
    await resident.deliver(resident.event_xml("CLICK", "intent:calculator"))
    await choose(resident, "东关片区")
    for xml in (resident.image_xml(), resident.location_xml(31.23, 121.47, "示例县东关街18号"), resident.video_xml()):
        (reply,) = await resident.deliver(xml)
        assert NEEDS_TEXT in reply.text and "建筑面积是多少平方米" in reply.text, reply.text
        assert "没看懂建筑面积" not in reply.text


async def test_media_in_a_case_form_asks_for_text(resident: WeChatResident) -> None:
    (started,) = await resident.deliver(resident.event_xml("CLICK", "intent:complaint"))
    assert "哪一类问题" in started.text
    (reply,) = await resident.deliver(resident.video_xml())
    assert NEEDS_TEXT in reply.text and "哪一类问题" in reply.text
    (reply,) = await resident.deliver(resident.file_xml())
    assert NEEDS_TEXT in reply.text


def test_render_names_listed_buttons_by_number_and_others_by_their_words() -> None:
    message = Outbound(
        "请点下面的按钮选择，或点按钮“跳过”；也可以点“转人工”。信息无误请点“确认提交”。",
        (Button("x:skip", "跳过"), Button("x:yes", "确认提交")),
    )
    (text,) = render(message)
    assert text.startswith("请回复下面的数字选择，或回复数字“跳过”；也可以回复“转人工”。信息无误请回复 2“确认提交”。")
    assert text.endswith("回复数字选择：\n1. 跳过\n2. 确认提交")
    assert render(Outbound("没有按钮的时候就不提数字：点下面的按钮"))[0].endswith("点下面的按钮")
