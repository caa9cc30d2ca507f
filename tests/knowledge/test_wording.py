"""Residents' real wording: stories around the question, Chinese numerals, dialect words, two questions in one; and
honest abstention on questions of another field that share a generic word."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.core.messages import Inbound, InboundKind
from bot.core.port import Conversation, TurnContext
from handlers.router import respond
from knowledge.base import KnowledgeBase
from knowledge.numerals import digits_for_numerals, numeral_value

NOW = datetime(2026, 9, 15, 2, 0, tzinfo=UTC)
OUT_OF_SCOPE = "不在我能回答的范围里"


async def ask(kb: KnowledgeBase, question: str):  # noqa: ANN201
    return await respond(
        Conversation(), Inbound("web", "r", question, InboundKind.TEXT, question), TurnContext(kb=kb, now=NOW)
    )


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("九十", "90"),
        ("一百二", "120"),
        ("一百零二", "102"),
        ("两千三", "2300"),
        ("两万五", "25000"),
        ("八十五点五", "85.5"),
        ("十五", "15"),
        ("万", None),
    ],
)
def test_chinese_numerals_read_as_residents_say_them(numeral: str, value: str | None) -> None:
    assert numeral_value(numeral) == value


def test_only_numerals_before_a_unit_become_digits() -> None:
    assert digits_for_numerals("九十个平方的砖瓦房") == "90个平方的砖瓦房"
    assert digits_for_numerals("一百二平能补多少") == "120平能补多少"
    assert digits_for_numerals("一下子说不清") == "一下子说不清"  # no unit: left alone


@pytest.mark.parametrize("question", ["九十个平方的砖瓦房能赔多少钱", "俺家一百二平能补多少", "八十五点五平方米估一下"])
def test_an_area_in_chinese_numerals_starts_the_estimate(kb: KnowledgeBase, question: str) -> None:
    assert kb.match(question).label == "intent:calculator"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("赔偿都包括些啥 俺不识字", "comp.scope"),  # the story's 不识字 used to win: how to sign the agreement
        ("俺家木有房本能补不", "comp.unregistered"),  # 木有 = 没有
        ("他们给俺家掐电了", "proc.illegal_pressure"),  # 掐电 = 断电
        ("听说托关系能多补", "petition.misconduct"),  # 托关系 = 关系户
        ("俺家房子要扒了 都补些啥", "comp.scope"),  # 扒 = 拆
    ],
)
def test_residents_words_and_stories_find_the_question(kb: KnowledgeBase, question: str, topic: str) -> None:
    assert kb.match(question).label == topic


async def test_two_questions_in_one_message_answer_one_and_offer_the_other(kb: KnowledgeBase) -> None:
    result = kb.match("搬迁费给多少？安置房在哪")
    assert result.label == "comp.relocation_fee" and result.also == "comp.swap_location"
    turn = await ask(kb, "搬迁费给多少？安置房在哪")
    reply = turn.replies[0]
    assert reply.buttons[0].id == "topic:comp.swap_location"
    assert kb.entries["comp.swap_location"].title in reply.text


async def test_two_fee_questions_answer_the_first_not_the_overview(kb: KnowledgeBase) -> None:
    """Each question alone is clearer than the two together, which the overview of all compensation (comp.scope)
    wins on breadth: the first asked is answered, the second offered."""
    turn = await ask(kb, "搬家费咋算？过渡费给多久？")
    assert turn.label == "comp.relocation_fee"
    reply = turn.replies[0]
    assert reply.buttons[0].id == "topic:comp.transition_fee"
    assert kb.entries["comp.transition_fee"].title in reply.text


async def test_interior_decoration_reaches_the_decoration_entry(kb: KnowledgeBase) -> None:
    """室内装修 is the decoration that is compensated, not the decoration forbidden after the scope is fixed."""
    turn = await ask(kb, "室内装修有补偿吗")
    assert turn.label == "comp.decoration"
    assert "室内装修要补偿" in turn.replies[0].text


@pytest.mark.parametrize(
    "question",
    [
        "广场舞在哪跳",
        "养老金咋还没到账",
        "社保电话多少",
        "工资啥时候到账",
        "县医院挂号几点开始",
        "俺的快递到哪了",
        "医保卡在哪办理",
        "驾照在哪办理",
    ],
)
async def test_another_fields_question_abstains_though_it_shares_a_generic_word(
    kb: KnowledgeBase, question: str
) -> None:
    assert kb.match(question).label is None
    turn = await ask(kb, question)
    assert OUT_OF_SCOPE in turn.replies[0].text


async def test_an_in_domain_question_that_cannot_be_placed_says_not_sure_never_out_of_scope(kb: KnowledgeBase) -> None:
    unsure = replace(kb, threshold=1.01)  # nothing can be placed: every question is left to the fallback
    for question in ("补偿款到底啥时候给", "安置房的事俺想问问", "征收这事俺弄不明白"):
        result = unsure.match(question)
        assert result.label is None and result.in_domain
        turn = await ask(unsure, question)
        reply = turn.replies[0]
        assert "不太确定" in reply.text and OUT_OF_SCOPE not in reply.text
        labels = [b.label for b in reply.buttons]
        assert "转人工" in labels
    closest = (await ask(unsure, "补偿款到底啥时候给")).replies[0]
    assert "topic:comp.payment_time" in [b.id for b in closest.buttons]


@pytest.mark.parametrize("question", ["门口的路给挖了 这是逼俺们搬吧", "找个律师得花多少钱"])
async def test_words_of_the_programme_keep_a_question_from_being_called_out_of_scope(
    kb: KnowledgeBase, question: str
) -> None:
    turn = await ask(kb, question)
    assert OUT_OF_SCOPE not in turn.replies[0].text


async def test_off_topic_small_talk_still_hears_it_is_out_of_scope(kb: KnowledgeBase) -> None:
    turn = await ask(kb, "明天会下雨吗")
    assert OUT_OF_SCOPE in turn.replies[0].text
