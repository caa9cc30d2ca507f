"""查看条文 as a step function: the exact cited articles, in pages that fit one message on every channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.channels.telegram.render import MAX_TEXT
from bot.channels.wechat.render import MAX_BYTES, render
from bot.core.messages import Outbound
from bot.core.port import Conversation, TurnContext
from handlers import statutes
from handlers.knowledge_answer import answer_topic
from handlers.statutes import Passage, paginate
from knowledge.base import KnowledgeBase
from knowledge.citations import article_label
from tests.support.transcript import ChatSession


@pytest.fixture
def ctx(kb: KnowledgeBase) -> TurnContext:
    return TurnContext(kb=kb, now=datetime(2026, 9, 15, tzinfo=UTC))


def pages(ctx: TurnContext, topic_id: str) -> list[Outbound]:
    """Every page of a topic's 查看条文, following 下一页条文."""
    result = [statutes.show(Conversation(), topic_id, ctx).replies[0]]
    while more := [b for b in result[-1].buttons if b.label == "下一页条文"]:
        result.append(statutes.show(Conversation(), more[0].id.removeprefix("law:"), ctx).replies[0])
        assert len(result) < 100
    return result


def test_every_answer_offers_its_articles(ctx: TurnContext) -> None:
    for entry in ctx.kb.topics:
        reply = answer_topic(Conversation(), entry, "", ctx).replies[0]
        assert ("law:" + entry.id, "查看条文") in [(b.id, b.label) for b in reply.buttons]


def test_an_answer_with_several_articles_shows_each_text_with_act_and_number(ctx: TurnContext) -> None:
    text = "\n".join(p.text for p in pages(ctx, "proc.reconsideration"))
    regulation = ctx.kb.statutes.act("国有土地上房屋征收与补偿条例")
    litigation = ctx.kb.statutes.act("行政诉讼法")
    assert "《国有土地上房屋征收与补偿条例》（2011年1月21日国务院令第590号公布" in text
    for number in (14, 26, 28):
        first, *rest = regulation.article(number).text.split("\n")
        assert f"{article_label(number)}\u3000{first}" in text
        assert all(paragraph in text for paragraph in rest)
    assert "《中华人民共和国行政诉讼法》（2017年6月27日" in text
    assert litigation.article(46).text.split("\n")[0] in text
    # the articles come in the order the answer cites them
    assert text.index("第十四条") < text.index("第二十六条") < text.index("第二十八条") < text.index("第四十六条")


def test_a_not_confirmed_article_says_where_to_read_it_and_shows_no_text(ctx: TurnContext) -> None:
    text = "\n".join(p.text for p in pages(ctx, "comp.appraisal_dispute"))
    assert "《国有土地上房屋征收评估办法》" in text
    assert "第十九条、第二十条、第二十一条、第二十二条" in text and "（原文我们还没有逐字核对，先不显示" in text
    assert "建房〔2011〕77号" in text and "www.mohurd.gov.cn" in text
    # the 条例's own 第十九条 is confirmed and shown in full
    assert ctx.kb.statutes.act("国有土地上房屋征收与补偿条例").article(19).text.split("\n")[1] in text


def test_a_county_plan_clause_is_shown_as_the_county_plan_with_where_to_see_it(ctx: TurnContext) -> None:
    text = "\n".join(p.text for p in pages(ctx, "proc.timeline"))
    plan = ctx.kb.params["plan"]["name"] + ctx.kb.params["plan"]["clauses"]["schedule"]
    assert plan in text and "不是国家法律法规" in text
    assert ctx.kb.params["contacts"]["headquarters_address"] in text
    assert "照录官方公布的文本" not in text  # no statute text on this page, so no such claim


def test_every_page_of_every_answer_fits_one_message_on_each_channel(ctx: TurnContext) -> None:
    for entry in ctx.kb.topics:
        for page in pages(ctx, entry.id):
            assert len(page.text) <= MAX_TEXT, entry.id
            (wechat,) = render(page)  # one passive reply, buttons included
            assert len(wechat.encode()) <= MAX_BYTES, entry.id


def test_every_shipped_article_fits_on_pages_of_one_message(ctx: TurnContext) -> None:
    """Whatever a curator cites later: an answer citing every shipped article still pages within the limits."""
    sources = tuple(
        f"《{act.title}》" + "、".join(a.label for a in act.articles.values()) for act in ctx.kb.statutes.acts
    )
    entry = replace(ctx.kb.entries["comp.scope"], sources=sources)
    kb = replace(ctx.kb, entries={**ctx.kb.entries, "comp.scope": entry})
    shown = pages(replace(ctx, kb=kb), "comp.scope")
    text = "\n".join(p.text for p in shown)
    for act in ctx.kb.statutes.acts:
        for article in act.articles.values():
            if article.confirmed:
                assert all(paragraph in text for paragraph in article.text.split("\n")), (act.title, article.label)
    for page in shown:
        (wechat,) = render(page)
        assert len(wechat.encode()) <= MAX_BYTES


def test_an_article_or_act_not_shipped_is_never_made_up(ctx: TurnContext) -> None:
    """kb check stops this from shipping; should it happen anyway, the resident is sent to the official text."""
    entry = replace(
        ctx.kb.entries["comp.scope"],
        sources=("《国有土地上房屋征收与补偿条例》第九十九条", "《某某法》第一条", "《某某法》"),
    )
    kb = replace(ctx.kb, entries={**ctx.kb.entries, "comp.scope": entry})
    text = "\n".join(p.text for p in pages(replace(ctx, kb=kb), "comp.scope"))
    assert "第九十九条\u3000（这一条的原文本助手还没有收录" in text and "《某某法》\n第一条\u3000（这一条的原文" in text
    assert "这部法规的条文本助手还没有收录" in text and "flk.npc.gov.cn" in text
    assert "照录官方公布的文本" not in text


def test_pages_repeat_the_act_and_the_article_they_continue() -> None:
    long = Passage(
        "《示例法》（2020年）", ("第一条\u3000" + "甲" * 300, "乙" * 300, "丙" * 300), "第一条", official=True
    )
    first, second, third = paginate([long], limit=1000)
    assert first == "《示例法》（2020年）\n第一条\u3000" + "甲" * 300
    assert second == "《示例法》（2020年）\n第一条（续）\u3000" + "乙" * 300
    assert third.startswith("《示例法》（2020年）\n第一条（续）\u3000丙")


def test_a_stale_or_forged_button_is_answered_politely(ctx: TurnContext) -> None:
    for arg in ("no.such.topic", "comp.scope:99", "comp.scope:0", "comp.scope:x", ""):
        reply = statutes.show(Conversation(), arg, ctx).replies[0]
        assert "过期" in reply.text


def test_reading_the_articles_keeps_the_conversation_where_it_was(ctx: TurnContext) -> None:
    state = Conversation(flow="complaint", step="district", data={"category": "x"}, last_topic="comp.scope")
    turn = statutes.show(state, "comp.scope", ctx)
    assert turn.state == state and turn.effects == ()
    assert [b.id for b in turn.replies[0].buttons][-2:] == ["topic:comp.scope", "menu"]


async def test_the_articles_of_an_answer_through_the_dialogue(chat: ChatSession, kb: KnowledgeBase) -> None:
    entry = kb.entries["proc.reconsideration"]
    await chat.say("不服补偿决定能打官司吗")
    assert "依据：" in chat.text and "law:proc.reconsideration" in chat.button_ids
    answer = chat.text
    await chat.press("查看条文")
    assert chat.text.startswith(f"“{entry.title}”依据的条文（第1页，共")  # no emoji (a box without an emoji font)
    shown = [chat.text]
    while "下一页条文" in [b["label"] for b in chat.buttons]:
        await chat.press("下一页条文")
        shown.append(chat.text)
    assert f"（第{len(shown)}页，共{len(shown)}页）" in shown[-1] and "照录官方公布的文本" in shown[-1]
    text = "\n".join(shown)
    regulation, litigation = kb.statutes.act("国有土地上房屋征收与补偿条例"), kb.statutes.act("行政诉讼法")
    for act, number in ((regulation, 14), (regulation, 26), (regulation, 28), (litigation, 46)):
        first, *rest = act.article(number).text.split("\n")
        assert f"{article_label(number)}\u3000{first}" in text and all(p in text for p in rest)
    await chat.press("回到这条回答")
    assert chat.text == answer
