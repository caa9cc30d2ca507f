"""The web chat API as a resident's browser uses it, including everything a broken or hostile client sends."""

from __future__ import annotations

import json

from tests.support.transcript import ChatSession


async def test_typed_question_gets_a_cited_answer_with_follow_ups(chat: ChatSession) -> None:
    replies = await chat.say("搬迁费怎么算")
    assert len(replies) == 1
    assert "依据：" in chat.text and "第二十二条" in chat.text
    assert "示例县" in chat.text  # county numbers are marked as sample values
    assert "fb:1:comp.relocation_fee" in chat.button_ids and "fb:0:comp.relocation_fee" in chat.button_ids
    assert sum(i.startswith("topic:") for i in chat.button_ids) >= 2
    await chat.press("返回菜单")  # and from the answer back to everything else
    assert [b["label"] for b in chat.buttons] == ["咨询政策", "估算补偿", "登记诉求", "申请帮助", "查进度", "转人工"]


async def test_start_shows_the_menu_with_six_big_buttons(chat: ChatSession) -> None:
    await chat.send(text="", start=True)
    assert "安居助手" in chat.text
    assert [b["label"] for b in chat.buttons] == ["咨询政策", "估算补偿", "登记诉求", "申请帮助", "查进度", "转人工"]


async def test_related_topic_button_answers_that_topic(chat: ChatSession) -> None:
    await chat.say("过渡费怎么发")
    assert "临时安置费" in chat.text
    await chat.press("搬迁费")
    assert "搬迁费" in chat.text and "依据：" in chat.text


async def test_off_topic_question_gets_a_polite_refusal_and_a_person(chat: ChatSession) -> None:
    await chat.say("明天会下雨吗")
    assert "依据：" not in chat.text
    assert "intent:human" in chat.button_ids


async def test_unsure_question_offers_closest_topics(chat: ChatSession) -> None:
    await chat.say("补偿")
    assert "不太确定" in chat.text or "依据：" in chat.text
    if "不太确定" in chat.text:
        assert sum(i.startswith("topic:") for i in chat.button_ids) == 3


async def test_stale_or_forged_button_gets_a_clear_message(chat: ChatSession) -> None:
    for button in ("topic:no.such.topic", "fb:1:nope", "bogus", "intent:unknown", ""):
        await chat.send(button=button)
        assert chat.replies and chat.replies[0]["text"]


async def test_same_message_id_is_answered_once(chat: ChatSession, client) -> None:  # noqa: ANN001
    first = await chat.send(text="搬迁费怎么算", id="m-1")
    again = await chat.send(text="搬迁费怎么算", id="m-1")
    assert first == again


async def test_html_is_returned_as_text_not_markup(chat: ChatSession) -> None:
    await chat.say("<script>alert(1)</script>")
    assert "<script>" not in chat.text  # never echoed; the page renders text with textContent anyway


async def test_bad_input_gets_a_polite_reply(chat: ChatSession) -> None:
    for text in ("😀😀😀", "\x00\x01\x02", "   ", "a" * 3000, "征收 compensation 补償？？", "﻿\u200b"):
        replies = await chat.say(text)
        assert replies and replies[0]["text"]


async def test_malformed_requests_are_4xx_with_a_message(client) -> None:  # noqa: ANN001
    cases = [
        b"not json",
        b"[1, 2]",
        json.dumps({"session": "s1"}).encode(),
        json.dumps({"session": "s1", "text": "a", "button": "b"}).encode(),
        json.dumps({"session": 5, "text": "a"}).encode(),
        json.dumps({"session": "s1", "text": 5}).encode(),
        json.dumps({"session": "s1", "text": "a", "id": "bad id!"}).encode(),
        "\xff\xfe".encode("latin-1"),
    ]
    for body in cases:
        response = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 400, body
        assert "error" in await response.json()


async def test_body_over_64_kb_is_413(client) -> None:  # noqa: ANN001
    body = json.dumps({"session": "s1", "text": "征" * 40_000}).encode()
    response = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert "太长" in (await response.json())["error"]


async def test_unknown_session_starts_a_new_one(client) -> None:  # noqa: ANN001
    response = await client.post("/api/chat", json={"session": "never-seen-before", "text": "你好"})
    assert response.status == 200
    assert (await response.json())["session"] == "never-seen-before"
    response = await client.post("/api/chat", json={"text": "你好"})
    assert (await response.json())["session"]


async def test_chat_page_and_health(client) -> None:  # noqa: ANN001
    page = await client.get("/chat")
    assert page.status == 200 and "安居助手" in await page.text()
    health = await client.get("/healthz")
    assert (await health.json())["status"] == "ok"


async def test_small_talk_gets_a_kind_reply_not_a_policy_answer(chat: ChatSession, client) -> None:  # noqa: ANN001
    for text, expected in (("你好", "您好"), ("谢谢！", "不客气"), ("好的", "好的")):
        await chat.say(text)
        assert expected in chat.text and "依据：" not in chat.text and "抱歉" not in chat.text
