"""估算补偿 in the chat: the calculator flow through /api/chat, as a resident taps and types."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from bot.compensation import estimate, estimate_to_json, household_from_fields, parse_params
from bot.core.messages import Inbound, InboundKind
from bot.core.port import Conversation, TurnContext
from handlers.calculator import FLOW
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

AREA_QUESTION = "建筑面积是多少平方米"


def engine_json(kb: KnowledgeBase, **fields: str) -> dict[str, Any]:
    """What the engine says for the same answers (the chat must show exactly this)."""
    params = parse_params(kb.params)
    return estimate_to_json(estimate(household_from_fields(fields, params), params))


def shown(amount: str) -> str:
    """A JSON money string as the chat's compact table shows it: "549320.00" → "549,320"."""
    text = f"{Decimal(amount):,.2f}"
    return text.removesuffix(".00")


def with_fen(amount: str) -> str:
    return f"{Decimal(amount):,.2f}"


async def start(chat: ChatSession) -> None:
    await chat.send(text="", start=True)
    await chat.press("估算补偿")
    assert "哪个片区" in chat.text


async def answer_up_to_area(chat: ChatSession, area: str = "85") -> None:
    await start(chat)
    await chat.press("东关片区")
    assert AREA_QUESTION in chat.text
    await chat.say(area)


async def run_to_result(chat: ChatSession, area: str = "85", exchange: str | None = "100",
                        sign: str | None = "2026-10-10") -> None:  # fmt: skip
    await answer_up_to_area(chat, area)
    await chat.press("住宅")
    assert "装修" in chat.text
    await chat.press("普通装修")
    assert "评估报告" in chat.text
    await chat.press("还没有")
    assert "安置房" in chat.text
    if exchange is None:
        await chat.press("跳过")
    else:
        await chat.say(exchange)
    assert "签约" in chat.text
    if sign is None:
        await chat.press("跳过")
    else:
        await chat.say(sign)


# --- a full estimate --------------------------------------------------------------------------------------------


async def test_full_estimate_shows_both_options_with_sources_tradeoff_and_reminder(
    chat: ChatSession, kb: KnowledgeBase
) -> None:
    await run_to_result(chat)
    expected = engine_json(
        kb,
        district="东关片区",
        area="85",
        use="住宅",
        decoration="普通装修",
        exchange_area="100",
        sign_date="2026-10-10",
    )
    money, exchange = expected["options"]["money"], expected["options"]["exchange"]
    text = chat.text
    assert "货币补偿｜产权调换" in text
    for line in money["lines"]:
        other = next((x for x in exchange["lines"] if x["key"] == line["key"]), None)
        assert (shown(line["amount"]) + "｜" + (shown(other["amount"]) if other else "—")) in text, line["key"]
    assert f"补偿合计　{shown(money['total'])}｜{shown(exchange['total'])}" in text
    assert f"减安置房　—｜{shown(exchange['payments_total'])}" in text
    assert f"净额　　　{shown(money['net'])}｜{shown(exchange['net'])}" in text
    # every line's source, the trade-off, the assumptions, the reminder, the page
    assert "各项依据" in text and "条例第二十二条" in text and "方案第十条" in text
    assert "两种方式怎么选" in text and expected["comparison"].splitlines()[0] in text
    assert expected["reminder"] in text
    # a link to /calc that opens on the same answers (the skipped ones left out), not address-bar instructions
    links = [link for r in chat.replies for link in r.get("links", [])]
    assert links == [
        {
            "label": "打开网页版估算页面（已填好您的回答）",
            "href": "/calc?district=dongguan&area=85&use=residential&decoration=standard&exchange_area=100"
            "&sign_date=2026-10-10",
        }
    ]
    assert "换成" not in text
    labels = [b["label"] for b in chat.buttons]
    assert labels == ["查看计算明细", "重新估算", "返回", "返回菜单"]

    await chat.press("查看计算明细")
    detail = chat.text
    for option in (money, exchange):
        for line in (*option["lines"], *option["payments"]):
            assert f"{line['label']}：{with_fen(line['amount'])} 元" in detail
            assert f"算法：{line['formula']}" in detail
            assert f"依据：{line['source']}" in detail
    assert f"补偿合计：{with_fen(money['total'])} 元" in detail
    assert f"净额：{with_fen(exchange['net'])} 元" in detail


async def test_the_link_leaves_out_skipped_answers_and_opens_the_same_estimate(chat: ChatSession) -> None:
    await run_to_result(chat, exchange=None, sign=None)
    (link,) = [link for r in chat.replies for link in r.get("links", [])]
    assert link["href"] == "/calc?district=dongguan&area=85&use=residential&decoration=standard"
    net = next(line for line in chat.text.splitlines() if line.startswith("净额"))
    page = await chat.client.get(link["href"])
    assert page.status == 200
    html = await page.text()
    money, exchange = net.removeprefix("净额").strip("　").split("｜")
    for option, shown_net in (("money", money), ("exchange", exchange)):
        cell = re.search(rf'data-option="{option}" data-key="net"[^>]*>([^<]+)<', html)
        assert cell and cell.group(1).strip().removesuffix(".00") == shown_net


async def test_each_question_is_one_step_with_back_and_cancel(chat: ChatSession) -> None:
    await start(chat)
    labels = [b["label"] for b in chat.buttons]
    assert labels == ["东关片区", "西街片区", "南河片区", "北山片区", "返回", "取消"]
    assert "第 1/" in chat.text
    await chat.press("西街片区")
    assert [b["label"] for b in chat.buttons] == ["返回", "取消"]  # a number: typed, no choice buttons
    await chat.say("90")
    assert [b["label"] for b in chat.buttons] == ["住宅", "商铺门面", "住宅+商铺", "返回", "取消"]


async def test_typed_request_and_menu_label_start_the_calculator(chat: ChatSession) -> None:
    await chat.say("帮我算算能补多少钱")
    assert "哪个片区" in chat.text
    await chat.say("取消")
    await chat.say("估算补偿")
    assert "哪个片区" in chat.text


async def test_district_can_be_typed(chat: ChatSession) -> None:
    await start(chat)
    await chat.say("南河")
    assert AREA_QUESTION in chat.text
    await chat.say("取消")
    await start(chat)
    await chat.say("火星片区")
    assert "没有找到片区" in chat.text and "东关片区" in chat.text and "哪个片区" in chat.text


# --- validation: a clear message and the same question again ----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "没看懂建筑面积“abc”"),
        ("0", "建筑面积必须大于 0"),
        ("-5", "建筑面积不能是负数"),
        ("负五十", "建筑面积不能是负数"),
        ("20000", "超出了合理范围"),
        ("10000.5", "超出了合理范围"),
        ("85.123", "最多保留两位小数"),
        ("搬迁费怎么算", "没看懂建筑面积"),
        ("😀" * 50, "太长"),
    ],
)
async def test_bad_area_gets_a_message_and_the_same_question(chat: ChatSession, typed: str, message: str) -> None:
    await start(chat)
    await chat.press("东关片区")
    await chat.say(typed)
    assert message in chat.text
    assert AREA_QUESTION in chat.text
    assert "取消" in chat.text  # how to leave, if the resident meant something else
    await chat.say("85")
    assert "做什么用" in chat.text  # the flow goes on after a correct answer


@pytest.mark.parametrize(
    ("typed", "area"),
    [("八十五平", "85"), ("85㎡", "85"), ("85平米", "85"), ("８５平方", "85"), ("一百二十点五平方米", "120.5")],
)
async def test_area_in_chinese_numerals_and_units(chat: ChatSession, typed: str, area: str) -> None:
    await run_to_result(chat, area=typed, exchange=None, sign=None)
    assert f"东关片区 · 住宅 · {area} m²" in chat.text


async def test_sign_date_before_the_signing_period_and_unreadable_dates(chat: ChatSession, clock: FakeClock) -> None:
    clock.now = datetime(2026, 8, 20, 2, tzinfo=UTC)  # before the signing period opens
    await run_to_result(chat, sign="2026-08-25")
    assert "签约期从 2026-09-01 开始" in chat.text and "哪天签约" in chat.text
    await chat.say("2026-13-01")
    assert "不是一个真实的日期" in chat.text
    await chat.say("下个月")
    assert "2026-10-15 这样的格式" in chat.text
    await chat.say("二〇二六年十一月三十日")
    assert "补偿估算结果" in chat.text


async def test_late_signing_is_accepted_without_reward(chat: ChatSession, kb: KnowledgeBase) -> None:
    await run_to_result(chat, sign="2027-01-20")
    assert "补偿估算结果" in chat.text
    assert "签约奖励　0｜0" in chat.text
    assert "已过签约期" in chat.text


async def up_to_sign_date(chat: ChatSession) -> None:
    await answer_up_to_area(chat)
    await chat.press("住宅")
    await chat.press("无装修")
    await chat.press("还没有")
    await chat.press("跳过")
    assert "哪天签约" in chat.text


async def test_only_tiers_still_open_today_are_offered(chat: ChatSession, clock: FakeClock) -> None:
    # regression (issue 9, point 10): on 2026-12-01 the chat still offered "10月15日前签"
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    await up_to_sign_date(chat)
    assert [b["label"] for b in chat.buttons] == ["12月31日前签", "跳过", "返回", "取消"]
    assert "2026-12-31 前（含）：每户 10,000 元" in chat.text
    assert "2026-10-15" not in chat.text and "2026-11-30" not in chat.text
    assert "如 2026-12-31" in chat.text  # the example is a date one can still sign on


async def test_today_is_the_day_in_beijing(chat: ChatSession, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # still 30 November in UTC, 00:30 on 1 December in Beijing
    await up_to_sign_date(chat)
    assert "11月30日前签" not in [b["label"] for b in chat.buttons]
    await chat.say("2026-11-30")
    assert "签约日期 2026-11-30 已经过去了（今天是 2026-12-01）" in chat.text


async def test_a_past_sign_date_is_refused_typed_or_tapped(chat: ChatSession, clock: FakeClock) -> None:
    # regression (issue 9, point 10): on 2026-12-01 a sign date of 2026-10-01 credited 30,000 with no warning
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    await up_to_sign_date(chat)
    await chat.say("2026-10-01")
    assert "签约日期 2026-10-01 已经过去了（今天是 2026-12-01）" in chat.text
    assert "哪天签约" in chat.text and "补偿估算结果" not in chat.text  # the same question again
    await chat.send(button="calc:sign_date:2026-10-15")  # a tier button kept from an earlier day: no longer offered
    assert "过期" in chat.text and "哪天签约" in chat.text and "补偿估算结果" not in chat.text
    await chat.say("2026-12-01")  # today is fine, in the tier still open
    assert "补偿估算结果" in chat.text
    assert f"签约奖励　{shown('10000')}｜{shown('10000')}" in chat.text


async def test_when_every_tier_has_passed_the_chat_says_so(chat: ChatSession, clock: FakeClock) -> None:
    clock.now = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    await up_to_sign_date(chat)
    notice = "签约奖励各档都已截止（最后一档截至 2026-12-31），现在签约不再有签约奖励；签约期已于 2026-12-31 结束。"
    assert notice in chat.text
    assert [b["label"] for b in chat.buttons] == ["跳过", "返回", "取消"]
    assert "点按钮" not in chat.text  # no tier buttons to press
    await chat.press("跳过")
    assert "签约奖励　0｜0" in chat.text
    assert notice in chat.text  # the estimate's note says it again


async def test_tier_buttons_on_the_sign_date_step(chat: ChatSession, kb: KnowledgeBase) -> None:
    await answer_up_to_area(chat)
    await chat.press("住宅")
    await chat.press("无装修")
    await chat.press("还没有")
    await chat.press("跳过")
    assert [b["label"] for b in chat.buttons] == [
        "10月15日前签",
        "11月30日前签",
        "12月31日前签",
        "跳过",
        "返回",
        "取消",
    ]
    await chat.press("11月30日前签")
    expected = engine_json(kb, district="东关", area="85", decoration="无装修", sign_date="2026-11-30")
    assert f"签约奖励　{shown('20000')}｜{shown('20000')}" in chat.text
    assert f"净额　　　{shown(expected['options']['money']['net'])}" in chat.text


async def test_mixed_use_asks_the_business_area_and_checks_it(chat: ChatSession, kb: KnowledgeBase) -> None:
    await answer_up_to_area(chat, "120")
    await chat.press("住宅+商铺")
    assert "用来经营" in chat.text and "120 m²" in chat.text
    await chat.say("150")
    assert "不能大于建筑面积" in chat.text and "用来经营" in chat.text
    await chat.say("三十")
    assert "装修" in chat.text
    await chat.press("简易装修")
    await chat.press("有评估单价")
    assert "评估单价是多少" in chat.text
    await chat.say("很贵")
    assert "没看懂评估单价" in chat.text
    await chat.say("5400元/平方米")
    await chat.press("跳过")
    await chat.press("跳过")
    expected = engine_json(
        kb, district="东关", area="120", use="mixed", business_area="30", decoration="简易装修", assessed_price="5400"
    )
    assert "商住混合" in chat.text and "5,400 元/m²（评估单价）" in chat.text
    loss = next(x for x in expected["options"]["money"]["lines"] if x["key"] == "business_loss")
    assert f"停业损失　{shown(loss['amount'])}｜{shown(loss['amount'])}" in chat.text


async def test_choice_steps_accept_typed_words_and_refuse_others(chat: ChatSession) -> None:
    await answer_up_to_area(chat)
    await chat.say("开饭店")
    assert "没看懂房屋用途" in chat.text and "做什么用" in chat.text
    await chat.say("门面")
    assert "装修" in chat.text
    await chat.say("豪华")
    assert "没看懂装修档次" in chat.text
    await chat.say("精装")
    assert "没看懂装修档次" in chat.text
    await chat.say("精装修")
    await chat.say("也许")
    assert "请点按钮回答" in chat.text
    await chat.say("没有")
    assert "安置房" in chat.text


# --- 返回, 取消, 跳过 --------------------------------------------------------------------------------------------


async def test_back_goes_to_the_previous_question_and_forgets_its_answer(chat: ChatSession, kb: KnowledgeBase) -> None:
    await answer_up_to_area(chat, "85")
    assert "做什么用" in chat.text
    await chat.press("返回")
    assert "回到上一步" in chat.text and AREA_QUESTION in chat.text
    await chat.say("返回")  # typed works too
    assert "哪个片区" in chat.text
    await chat.press("北山片区")
    await chat.say("60")
    await chat.press("住宅")
    await chat.press("普通装修")
    await chat.press("还没有")
    await chat.press("跳过")
    await chat.press("跳过")
    assert "北山片区 · 住宅 · 60 m²" in chat.text
    expected = engine_json(kb, district="北山", area="60", decoration="普通装修")
    assert shown(expected["options"]["money"]["net"]) in chat.text


async def test_back_from_the_result_changes_the_last_answer(chat: ChatSession) -> None:
    await run_to_result(chat, sign=None)
    await chat.press("返回")
    assert "哪天签约" in chat.text
    await chat.say("2026-12-01")
    assert "补偿估算结果" in chat.text and "签约奖励　10,000｜10,000" in chat.text


async def test_back_on_the_first_question_leaves_for_the_menu(chat: ChatSession) -> None:
    await start(chat)
    await chat.press("返回")
    assert "已退出补偿估算" in chat.text
    assert "估算补偿" in [b["label"] for b in chat.buttons]


async def test_cancel_on_any_step_drops_the_answers(chat: ChatSession) -> None:
    await answer_up_to_area(chat)
    await chat.press("取消")
    assert "已取消补偿估算" in chat.text
    await chat.say("85")  # no flow any more: an ordinary message, not an area
    assert "做什么用" not in chat.text
    await start(chat)
    await chat.say("不办了")
    assert "已取消补偿估算" in chat.text


async def test_skip_uses_the_stated_assumptions(chat: ChatSession, kb: KnowledgeBase) -> None:
    await run_to_result(chat, exchange=None, sign=None)
    expected = engine_json(kb, district="东关", area="85", decoration="普通装修")
    assert "未填写安置房面积" in chat.text and "安置房 85 m²" in chat.text
    assert "签约奖励　0｜0" in chat.text
    assert (
        f"净额　　　{shown(expected['options']['money']['net'])}｜{shown(expected['options']['exchange']['net'])}"
        in (chat.text)
    )


async def test_skip_is_offered_only_on_optional_questions(chat: ChatSession) -> None:
    await start(chat)
    await chat.press("东关片区")
    await chat.say("跳过")
    assert "没看懂建筑面积" in chat.text


# --- stale buttons and what happens after the estimate ---------------------------------------------------------


async def test_buttons_of_an_earlier_step_are_stale(chat: ChatSession) -> None:
    await start(chat)
    district_buttons = list(chat.buttons)
    await chat.press("东关片区")
    await chat.send(button=district_buttons[1]["id"])  # 西街片区, tapped again from the old bubble
    assert "过期" in chat.text and AREA_QUESTION in chat.text
    await chat.send(button="calc:area:85")  # forged: the area is a typed question, it has no buttons
    assert "过期" in chat.text and AREA_QUESTION in chat.text
    await chat.say("85")
    assert "做什么用" in chat.text
    await chat.send(button="calc:use:palace")  # forged: not one of the choices
    assert "过期" in chat.text and "做什么用" in chat.text


async def test_stale_buttons_after_the_flow_ended(chat: ChatSession) -> None:
    await start(chat)
    old = {b["label"]: b["id"] for b in chat.buttons}
    await chat.press("东关片区")
    await chat.say("85")
    await chat.press("取消")
    for label in ("西街片区", "返回", "取消"):
        await chat.send(button=old[label])
        assert "过期" in chat.text, label
        assert "估算补偿" in [b["label"] for b in chat.buttons]

    await run_to_result(chat)
    result_buttons = {b["label"]: b["id"] for b in chat.buttons}
    await chat.press("返回菜单")
    for label in ("查看计算明细", "返回", "重新估算"):
        await chat.send(button=result_buttons[label])
        assert chat.replies and chat.replies[0]["text"]
        if label != "重新估算":
            assert "过期" in chat.text, label


async def test_details_of_an_earlier_estimate_are_stale(chat: ChatSession) -> None:
    await run_to_result(chat, area="85")
    first_detail = next(b["id"] for b in chat.buttons if b["label"] == "查看计算明细")
    await chat.press("重新估算")
    await chat.press("南河片区")
    await chat.say("70")
    await chat.press("住宅")
    await chat.press("无装修")
    await chat.press("还没有")
    await chat.press("跳过")
    await chat.press("跳过")
    await chat.send(button=first_detail)
    assert "之前一次估算" in chat.text
    await chat.press("重新估算")
    assert "哪个片区" in chat.text


async def test_after_the_estimate_a_question_gets_an_answer(chat: ChatSession) -> None:
    await run_to_result(chat)
    await chat.say("搬迁费怎么算")
    assert "依据：" in chat.text and "搬迁费" in chat.text
    await chat.say("85")  # the flow is closed now
    assert "做什么用" not in chat.text


async def test_typed_words_after_the_estimate(chat: ChatSession) -> None:
    await run_to_result(chat)
    await chat.say("明细")
    assert "【货币补偿】计算明细" in chat.text and "【产权调换】计算明细" in chat.text
    await chat.say("重新估算")
    assert "哪个片区" in chat.text


async def test_menu_words_leave_the_flow(chat: ChatSession) -> None:
    await answer_up_to_area(chat)
    await chat.say("菜单")
    assert "估算补偿" in [b["label"] for b in chat.buttons]
    await chat.say("90")
    assert "做什么用" not in chat.text


async def test_hostile_input_inside_the_flow_gets_a_polite_reply(chat: ChatSession) -> None:
    await start(chat)
    await chat.press("东关片区")
    for text in ("<script>alert(1)</script>", "\x00\x01", "   ", "a" * 3000, "1e5", "NaN", "∞", "85/0"):
        replies = await chat.say(text)
        assert replies and replies[0]["text"]
        assert AREA_QUESTION in chat.text  # plain text for every channel (the web page renders it as text)
    forged = ("calc:", "calc:pick", "calc:pick:area", "calc:skip:area", "calc:detail:x", "calc:back:use", "x" * 128)
    for button in forged:
        await chat.send(button=button)
        assert chat.replies and chat.replies[0]["text"]


# --- the state stays small and JSON --------------------------------------------------------------------------------


async def test_state_holds_only_strings_and_survives_json(kb: KnowledgeBase) -> None:
    ctx = TurnContext(kb=kb, now=datetime(2026, 9, 15, tzinfo=UTC))
    turn = await FLOW.start(Conversation(), ctx)
    answers = [("button", "calc:district:dongguan"), ("text", "八十五平"), ("button", "calc:use:mixed"),
               ("text", "20"), ("button", "calc:decoration:fine"), ("button", "calc:appraisal:no"),
               ("button", "calc:exchange_area:_skip"), ("text", "2026年10月1日")]  # fmt: skip
    for kind, value in answers:
        state = Conversation.from_json(json.loads(json.dumps(turn.state.to_json())))
        if kind == "button":
            turn = await FLOW.button(state, value, ctx)
        else:
            inbound = Inbound("test", "u", value, InboundKind.TEXT, value)
            turn = await FLOW.step(state, inbound, ctx)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in turn.state.data.items())
    assert turn.state.step == "result"
    assert {k: v for k, v in turn.state.data.items() if k != "_key"} == {
        "district": "dongguan", "area": "85", "use": "mixed", "business_area": "20", "decoration": "fine",
        "appraisal": "no", "exchange_area": "", "sign_date": "2026-10-01",
    }  # fmt: skip
    assert "补偿估算结果" in turn.replies[0].text


async def test_area_and_district_in_the_question_are_not_asked_again(chat) -> None:  # noqa: ANN001
    await chat.say("俺家东关85平能补多少钱")
    assert "东关片区" in chat.text and "85 平方米" in chat.text
    assert "房子是做什么用的" in chat.text  # the next question is the use, not the district or the area


async def test_the_house_described_at_the_first_question_is_understood(chat: ChatSession) -> None:
    # regression: asked for the district, "一百二十平的砖房" got "没有找到片区“一百二十平的砖房”"
    await start(chat)
    await chat.say("一百二十平的砖房")
    assert "没有找到片区" not in chat.text
    assert "已记下您说的：建筑面积 120 平方米" in chat.text and "哪个片区" in chat.text
    await chat.press("东关片区")
    assert "房子是做什么用的" in chat.text  # the area is not asked again
    await chat.press("返回")  # but it can be changed
    assert AREA_QUESTION in chat.text
    await chat.say("取消")
    await start(chat)
    await chat.say("俺家在西街，一百二十平的砖房")
    assert "已记下您说的：建筑面积 120 平方米" in chat.text and "房子是做什么用的" in chat.text
    await chat.press("住宅")
    await chat.press("无装修")
    await chat.press("还没有（按参考价）")
    await chat.press("跳过")
    await chat.press("跳过")
    assert "西街片区 · 住宅 · 120 m²" in chat.text
