"""Personal answers (issue 14, point 3) through /api/chat: two residents bound to two households of different
districts ask the same questions and each reads their own household's figures — never the other's; a resident who
is not bound gets the general answer and the offer to bind. Amounts are worked out here by hand from the sample
plan (knowledge/params.yaml) and the two ledger rows of tests/support/households.py."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient

from bot import keys
from bot.settings import Settings
from handlers.binding import BIND_BUTTON
from handlers.household_answer import BIND_OFFER
from tests.households.ledger_files import KEY
from tests.support.clock import FakeClock
from tests.support.households import DONGGUAN, XIJIE, bind, import_ledger, record
from tests.support.transcript import ChatSession

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 2026-11-20 10:00 Beijing time

# DG-0101: 80 m², appraised 416,000 + decoration 24,000, signed 2026-09-02 (reward tier to 2026-10-15: 30,000)
#   money:    416,000 + 24,000 + 1,500 (80 × 15 = 1,200 < the 1,500 minimum) + 80 × 12 × 6 = 5,760 + 30,000
#             + 10 % of 416,000 = 41,600                                                            = 518,860
#   exchange: 416,000 + 24,000 + 1,500 × 2 + 80 × 12 × 28 = 26,880 + 30,000 = 499,880; flat 80 × 4,200 = 336,000
#             net                                                                                   = 163,880
# XJ-0202: 40 m² (counted 45 for 过渡费), appraised 196,000, no decoration figure (none: 0), signed 2026-09-03
#   money:    196,000 + 0 + 1,500 + 45 × 12 × 6 = 3,240 + 30,000 + 19,600                          = 250,340
#   exchange: 196,000 + 0 + 3,000 + 45 × 12 × 28 = 15,120 + 30,000 = 244,120; flat 40 × 4,200 = 168,000
#             net                                                                                   =  76,120
DONGGUAN_FIGURES = ("518,860", "499,880", "163,880", "PG-DG-0101")
XIJIE_FIGURES = ("250,340", "244,120", "76,120", "PG-XJ-0202")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, household_id_key=KEY)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def residents(client: TestClient) -> tuple[ChatSession, ChatSession]:
    engine = client.app[keys.ENGINE]
    await import_ledger(engine, [record(**DONGGUAN), record(**XIJIE)], NOW)
    first, second = ChatSession(client), ChatSession(client)
    await bind(engine, first.session, "DG-0101", NOW)
    await bind(engine, second.session, "XJ-0202", NOW)
    return first, second


async def test_each_resident_gets_their_own_estimate(residents: tuple[ChatSession, ChatSession]) -> None:
    dongguan, xijie = residents
    await dongguan.say("俺家能补多少")
    await xijie.say("俺家能补多少")
    for chat, own, other in ((dongguan, DONGGUAN_FIGURES, XIJIE_FIGURES), (xijie, XIJIE_FIGURES, DONGGUAN_FIGURES)):
        assert all(figure in chat.text for figure in own), chat.text
        assert not any(figure in chat.text for figure in other), chat.text
        assert "不是片区参考价" in chat.text and "参考价 5,200" not in chat.text
        assert "以您签订的补偿协议和评估机构出具的评估报告为准" in chat.text
        assert "2026-11-20 更新" in chat.text  # the ledger's date
    assert "户号 DG-0101" in dongguan.text and "台账记录您家选择的补偿方式：产权调换" in dongguan.text
    assert "户号 XJ-0202" in xijie.text and "台账记录您家选择的补偿方式：货币补偿" in xijie.text
    # the house value is the appraisal's figure to the yuan, for both options
    assert "房屋价值　416,000｜416,000" in dongguan.text and "房屋价值　196,000｜196,000" in xijie.text
    assert "示例县的示例数值" in dongguan.text


async def test_transition_fee_months_paid_and_due(residents: tuple[ChatSession, ChatSession]) -> None:
    dongguan, xijie = residents
    await dongguan.say("过渡费发到几月了")
    # exchange: 80 × 12 = 960 a month from the hand-over month 2026-09 to 2026-11: 3 months, 2,880; paid 09 and 10
    assert "960.00 元/月" in dongguan.text
    assert "共 3 个月，按方案应发 2,880.00 元" in dongguan.text
    assert "共 1,920.00 元（2026-09、2026-10），最近一笔是 2026-10" in dongguan.text
    assert "台账没有发放记录的月份：2026-11" in dongguan.text
    assert "intent:complaint" in dongguan.button_ids
    await xijie.say("过渡费发到几月了")
    # money: a lump of 6 months at 45 (the minimum area) × 12 = 540 a month: 3,240, paid in 2026-09
    assert "一次性发放 6 个月" in xijie.text and "共 3,240.00 元" in xijie.text
    assert "合法建筑面积 40 m² 不足 45 m²" in xijie.text
    assert "960.00" not in xijie.text and "2026-10" not in xijie.text


async def test_selection_number_is_the_residents_own(residents: tuple[ChatSession, ChatSession]) -> None:
    dongguan, xijie = residents
    await dongguan.say("选房号")
    assert "选房号：A-007，选房日期 2026-09-12" in dongguan.text
    await dongguan.say("俺的选房号是几号")
    assert "A-007" in dongguan.text
    await xijie.say("选房号")
    assert "货币补偿不参加安置房选房" in xijie.text and "A-007" not in xijie.text


async def test_other_questions_of_the_file(residents: tuple[ChatSession, ChatSession]) -> None:
    dongguan, xijie = residents
    await dongguan.say("我家评估价多少")
    assert "房屋评估价值：416,000.00 元（评估报告编号 PG-DG-0101）" in dongguan.text
    assert "装饰装修及附属物评估：24,000.00 元" in dongguan.text
    await dongguan.say("协议签了没")
    assert "协议状态：已签约，签约日期 2026-09-02" in dongguan.text
    await dongguan.say("我家面积多少")
    assert "合法建筑面积：80 m²" in dongguan.text
    await dongguan.say("补偿款到账没")
    # signed 2026-09-02, the plan pays within 15 days: due by 2026-09-17; nothing recorded — 登记诉求 offered
    assert "台账里还没有您家补偿款的支付记录" in dongguan.text and "2026-09-17 前到账" in dongguan.text
    assert "已经过了这个期限" in dongguan.text
    await xijie.say("补偿款到账没")
    assert "台账记录已付补偿款：250,340.00 元" in xijie.text and "已经过了这个期限" not in xijie.text


async def test_unbound_resident_gets_the_general_answer_and_the_offer(
    client: TestClient, residents: tuple[ChatSession, ChatSession]
) -> None:
    stranger = ChatSession(client)
    await stranger.say("过渡费发到几月了")
    assert "【过渡费（临时安置费）怎么发？周转房怎么办】" in stranger.text  # what the knowledge base answers
    assert BIND_OFFER in stranger.text and BIND_BUTTON.id in stranger.button_ids
    assert not any(figure in stranger.text for figure in ("960.00", "3,240", "DG-0101", "XJ-0202"))
    newcomer = ChatSession(client)
    await newcomer.say("俺家能补多少")  # the calculator asks its first question; the offer comes with it
    assert "（第 1/7 步）您的房子在哪个片区" in newcomer.text and BIND_BUTTON.id in newcomer.button_ids
    assert "【您家的台账】" not in newcomer.text
    assert not any(figure in newcomer.text for figure in (*DONGGUAN_FIGURES, *XIJIE_FIGURES))
    await newcomer.press(BIND_BUTTON.label)  # inside the calculator's form: the button still reaches binding
    assert "需要您同意后才能绑定" in newcomer.text and "户号 DG-0101" not in newcomer.text


async def test_a_general_question_stays_general_for_a_bound_resident(
    residents: tuple[ChatSession, ChatSession],
) -> None:
    dongguan, _ = residents
    await dongguan.say("过渡费怎么算")
    assert "【过渡费（临时安置费）怎么发？周转房怎么办】" in dongguan.text
    assert "【您家的台账】" not in dongguan.text and BIND_OFFER not in dongguan.text
