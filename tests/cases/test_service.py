"""CaseService, the staff API: scoped lists and search, the case page with its audit trail and masking, and every
action with its events and the resident's notifications."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.errors import Conflict, InvalidInput, NotFound, TransitionNotAllowed
from bot.cases.queries import CaseCount, CaseFilter
from bot.cases.service import CaseService
from bot.cases.transitions import Action
from bot.cases.vocabulary import Category
from tests.cases.conftest import People
from tests.support.cases import add_resident, case_row, event_kinds, file_case, outbox_rows
from tests.support.clock import FakeClock


async def test_claim_tells_the_resident_and_a_second_claim_conflicts(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    resident = await add_resident(engine, "web-session-1", clock())
    created = await file_case(engine, clock(), resident_id=resident)
    detail = await service.claim(people.comp1, created.number)
    assert detail.status == "accepted" and detail.assignee_id == people.comp1.id
    with pytest.raises(Conflict, match="comp1"):
        await service.claim(people.comp2, created.number)
    with pytest.raises(NotFound):
        await service.claim(people.dongguan, created.number)  # another department's case
    [message] = await outbox_rows(engine)
    assert message["channel"] == "web" and message["user_key"] == "web-session-1"
    assert "已由县房屋征收补偿办公室受理" in message["payload"]["text"] and created.number in message["payload"]["text"]
    assert await event_kinds(engine, created.id) == ["created", "dispatched", "claimed"]


async def test_case_page_records_the_view_and_masks_the_phone(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    created = await file_case(engine, clock(), phone="13812345678")
    page = await service.get_case(people.comp2, created.id)
    assert page.phone == "138****5678" and not page.phone_visible
    assert Action.CLAIM in page.actions and Action.REPLY not in page.actions
    await service.claim(people.comp1, created.id)
    page = await service.get_case(people.comp1, created.number)
    assert page.phone == "13812345678" and page.phone_visible
    assert Action.REPLY in page.actions and Action.CLAIM not in page.actions
    supervisor_page = await service.get_case(people.supervisor, created.number)
    assert supervisor_page.phone == "138****5678"
    views = [e for e in supervisor_page.events if e.kind == "viewed"]
    assert [(v.actor_name, v.public, v.data["phone_shown"]) for v in views] == [
        ("comp2", False, False),
        ("comp1", False, True),
    ]
    listed = await service.list_cases(people.comp1)
    assert [c.phone_masked for c in listed] == ["138****5678"]


async def test_lists_are_scoped_filtered_searched_and_overdue_first(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    old = await file_case(engine, clock(), description="很早以前登记的评估问题")
    clock.advance(days=3)
    urgent = await file_case(engine, clock(), category=Category.UTILITY_CUT, description="停水了")
    recent = await file_case(
        engine, clock(), description="补偿款延迟", category=Category.PAYMENT_DELAY, phone="0571-87654321"
    )
    other = await file_case(engine, clock(), category=Category.OTHER, district="dongguan")
    mine = await service.list_cases(people.comp1)
    assert [c.number for c in mine] == [old.number, recent.number]  # overdue (sign-for) first
    assert mine[0].overdue and not mine[1].overdue
    assert [c.number for c in await service.list_cases(people.comp1, CaseFilter(overdue=True))] == [old.number]
    assert [c.number for c in await service.list_cases(people.dongguan)] == [other.number]
    everything = await service.list_cases(people.supervisor)
    assert {c.number for c in everything} == {old.number, urgent.number, recent.number, other.number}
    assert everything[0].number == old.number
    assert await service.count_cases(people.supervisor) == CaseCount(4)
    search = service.list_cases
    assert [c.number for c in await search(people.supervisor, CaseFilter(search=recent.number.lower()))] == [
        recent.number
    ]
    assert [c.number for c in await search(people.supervisor, CaseFilter(search="057187654321"))] == [recent.number]
    assert [c.number for c in await search(people.supervisor, CaseFilter(search="停水"))] == [urgent.number]
    assert await search(people.supervisor, CaseFilter(search="100%_")) == []
    assert [c.number for c in await search(people.supervisor, CaseFilter(category="other"))] == [other.number]
    assert [c.number for c in await search(people.supervisor, CaseFilter(district="dongguan"))] != []
    await service.claim(people.comp1, recent.number)
    assert [c.number for c in await search(people.comp1, CaseFilter(assigned_to_me=True))] == [recent.number]
    assert [c.number for c in await search(people.comp1, CaseFilter(statuses=("dispatched",)))] == [old.number]
    page = await search(people.supervisor, limit=2, offset=2)
    assert len(page) == 2


async def test_reply_is_public_and_note_is_internal(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    resident = await add_resident(engine, "s1", clock())
    created = await file_case(engine, clock(), resident_id=resident)
    await service.claim(people.comp1, created.id)
    await service.note(people.comp1, created.id, "评估公司电话 0571-1234567")
    detail = await service.reply(people.comp1, created.id, "已约评估公司下周二上门复核。")
    assert detail.status == "replied" and detail.first_reply_at == clock()
    texts = [m["payload"]["text"] for m in await outbox_rows(engine)]
    assert len(texts) == 2 and "下周二上门复核" in texts[1] and all("0571-1234567" not in t for t in texts)
    assert [(e.kind, e.public) for e in detail.events][-2:] == [("noted", False), ("replied", True)]
    for bad in ("", "   ", "字" * 2001):
        with pytest.raises(InvalidInput):
            await service.reply(people.comp1, created.id, bad)
    with pytest.raises(TransitionNotAllowed, match="只有承办人"):
        await service.reply(people.comp2, created.id, "我来答复")


async def test_extension_is_capped_at_thirty_days_and_told_with_its_reason(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    resident = await add_resident(engine, "s1", clock())
    created = await file_case(engine, clock(), resident_id=resident)
    await service.claim(people.comp1, created.id)
    before = (await case_row(engine, created.number))["finish_due"]
    with pytest.raises(InvalidInput, match="延期理由"):
        await service.extend(people.comp1, created.id, 10, "")
    for days in (0, 31, -5):
        with pytest.raises(InvalidInput, match="1 到 30"):
            await service.extend(people.comp1, created.id, days, "需要重新评估")
    detail = await service.extend(people.comp1, created.id, 20, "需要委托第三方重新测绘")
    # 20 days on is Sunday 6 December: the deadline is the end of Monday 7 December
    assert detail.finish_due - before == timedelta(days=21) and detail.extended_days == 20
    with pytest.raises(InvalidInput, match="1 到 10"):
        await service.extend(people.comp1, created.id, 11, "还要再等等")
    await service.extend(people.comp1, created.id, 10, "测绘单位排期")
    with pytest.raises(InvalidInput, match="不能再延期"):
        await service.extend(people.comp1, created.id, 1, "再延一天")
    message = (await outbox_rows(engine))[-2]["payload"]["text"]
    assert "延长 20 天" in message and "需要委托第三方重新测绘" in message and "新的办结期限" in message


async def test_return_goes_back_to_the_dispatcher_who_dispatches_again(
    engine: AsyncEngine, service: CaseService, people: People, depts: dict[str, int], clock: FakeClock
) -> None:
    created = await file_case(engine, clock(), category=Category.RESETTLEMENT)
    with pytest.raises(InvalidInput, match="退单理由"):
        await service.return_case(people.supervisor, created.id, "不")
    clock.advance(hours=2)
    assert await service.return_case(people.supervisor, created.id, "安置房问题应由住建局办理") is not None
    row = await case_row(engine, created.number)
    assert row["status"] == "returned" and row["department_id"] == depts["dispatch"] and row["assignee_id"] is None
    queue = await service.list_cases(people.dispatcher, CaseFilter(statuses=("new", "returned")))
    assert [c.number for c in queue] == [created.number]
    with pytest.raises(InvalidInput, match="具体的承办单位"):
        await service.dispatch(people.dispatcher, created.id, depts["dispatch"])
    detail = await service.dispatch(people.dispatcher, created.id, depts["comp_office"], "补偿办协助核实")
    assert detail.status == "dispatched" and detail.department_name == "县房屋征收补偿办公室"
    assert await service.return_case(people.comp1, created.id, "确实不属于我们") is None  # gone from their scope
    kinds = await event_kinds(engine, created.id)
    assert kinds == ["created", "dispatched", "returned", "dispatched", "returned"]


async def test_transfer_restarts_the_sign_for_clock(
    engine: AsyncEngine, service: CaseService, people: People, depts: dict[str, int], clock: FakeClock
) -> None:
    created = await file_case(engine, clock())
    await service.claim(people.comp1, created.id)
    clock.advance(days=2)
    with pytest.raises(TransitionNotAllowed, match="岗位"):
        await service.transfer(people.comp1, created.id, depts["housing"])
    with pytest.raises(InvalidInput, match="已经在这个单位"):
        await service.transfer(people.dispatcher, created.id, depts["comp_office"])
    detail = await service.transfer(people.dispatcher, created.id, depts["housing"], "涉及安置房面积")
    assert detail.status == "dispatched" and detail.assignee_id is None and detail.sign_for_due > clock()
    with pytest.raises(NotFound):
        await service.get_case(people.comp1, created.id)


async def test_resolve_asks_for_a_rating_and_supervisors_reopen(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    resident = await add_resident(engine, "s1", clock())
    created = await file_case(engine, clock(), resident_id=resident)
    await service.claim(people.comp1, created.id)
    with pytest.raises(InvalidInput):
        await service.resolve(people.comp1, created.id, "")
    detail = await service.resolve(people.comp1, created.id, "已补记面积12平方米，补偿款已调整。")
    assert detail.status == "closed" and detail.next_due is None
    message = (await outbox_rows(engine))[-1]["payload"]
    assert "已办结" in message["text"] and [b["id"] for b in message["buttons"]] == [
        f"rate:{created.number}:3",
        f"rate:{created.number}:2",
        f"rate:{created.number}:1",
    ]
    with pytest.raises(TransitionNotAllowed):
        await service.reopen(people.comp1, created.id, "居民来电仍有异议")
    reopened = await service.reopen(people.supervisor, created.id, "居民来电仍有异议")
    assert reopened.status == "in_progress" and reopened.reopened_count == 1 and reopened.next_due is not None
    assert "重新交办" in (await outbox_rows(engine))[-1]["payload"]["text"]


async def test_merge_follows_the_target_case(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    first_resident = await add_resident(engine, "s1", clock())
    second_resident = await add_resident(engine, "s2", clock())
    target = await file_case(engine, clock(), resident_id=first_resident, description="南河片区停水")
    duplicate = await file_case(engine, clock(), resident_id=second_resident, description="南河又停水了")
    with pytest.raises(InvalidInput, match="自己"):
        await service.merge(people.dispatcher, target.id, target.id)
    merged = await service.merge(people.dispatcher, duplicate.id, target.number)
    assert merged.status == "merged" and merged.merged_into_number == target.number and merged.next_due is None
    with pytest.raises(InvalidInput, match="尚未办结"):
        await service.merge(people.dispatcher, target.id, duplicate.id)
    await service.claim(people.comp1, target.id)
    await service.resolve(people.comp1, target.id, "已恢复供水。")
    to_second = [m["payload"]["text"] for m in await outbox_rows(engine) if m["user_key"] == "s2"]
    assert "合并办理" in to_second[0] and "已恢复供水" in to_second[-1] and target.number not in "".join(to_second)


async def test_manual_escalation_by_a_supervisor(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    created = await file_case(engine, clock())
    await service.claim(people.comp1, created.id)
    detail = await service.escalate(people.supervisor, created.id, "请本周内给居民答复")
    assert detail.events[-1].kind == "escalated" and not detail.events[-1].public
    with pytest.raises(TransitionNotAllowed):
        await service.escalate(people.comp2, created.id, "催一下")
    [notice] = await service.notices(people.comp1)
    assert notice.kind == "escalation" and "请本周内给居民答复" in notice.text
    await service.mark_notice_read(people.comp1, notice.id)
    assert await service.notices(people.comp1, unread_only=True) == []


async def test_claim_next_takes_the_most_urgent_unclaimed_case(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    normal = await file_case(engine, clock())
    urgent = await file_case(engine, clock(), category=Category.PAYMENT_DELAY)
    first = await service.claim_next(people.comp1)
    second = await service.claim_next(people.comp2)
    assert {first.number, second.number} == {normal.number, urgent.number}
    assert await service.claim_next(people.comp1) is None


async def test_concurrent_claims_of_one_case_give_it_to_one_person(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    created = await file_case(engine, clock())
    results = await asyncio.gather(
        service.claim(people.comp1, created.id), service.claim(people.comp2, created.id), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    assert (await event_kinds(engine, created.id)).count("claimed") == 1


async def test_unknown_and_malformed_references_are_not_found(service: CaseService, people: People) -> None:
    for ref in (999_999, "AJ-2026-999999", "../etc", "", True, None, 1.5):
        with pytest.raises(NotFound):
            await service.get_case(people.supervisor, ref)  # type: ignore[arg-type]


async def test_case_history_is_append_only(engine: AsyncEngine, clock: FakeClock, depts: dict[str, int]) -> None:
    created = await file_case(engine, clock())
    for statement in ("UPDATE case_events SET text = 'x'", "DELETE FROM case_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    assert await event_kinds(engine, created.id) == ["created", "dispatched"]


async def test_concurrent_filing_gives_unique_numbers(
    engine: AsyncEngine, depts: dict[str, int], clock: FakeClock
) -> None:
    created = await asyncio.gather(*(file_case(engine, clock(), intake_key=f"k{i}") for i in range(30)))
    numbers = [c.number for c in created]
    assert len(set(numbers)) == 30
    again = await asyncio.gather(*(file_case(engine, clock(), intake_key=f"k{i}") for i in range(30)))
    assert [c.number for c in again] == numbers and not any(c.created for c in again)
