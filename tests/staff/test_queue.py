"""The queue page: the viewer's cases, overdue first with a red badge, filters, search by number / phone / text,
pages; phones masked; resident text escaped; reminders and 督办 shown to the people they are for."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from bot import keys
from bot.cases.vocabulary import Category
from bot.staff import queue
from tests.staff.agent import StaffAgent
from tests.support.clock import FakeClock

Login = Callable[[str], Awaitable[StaffAgent]]
ROW = re.compile(r'<tr class="(overdue)?" data-number="(AJ-\d{4}-\d{6})">')


def rows(page: str) -> list[str]:
    return [number for _, number in ROW.findall(page)]


def overdue_rows(page: str) -> list[str]:
    return [number for overdue, number in ROW.findall(page) if overdue]


async def test_overdue_first_filters_and_search(login: Login, file, clock: FakeClock) -> None:  # noqa: ANN001
    old = await file(description="很早登记的评估问题", phone="13811112222")
    clock.advance(days=3)
    delay = await file(
        category=Category.PAYMENT_DELAY, description="补偿款迟迟不到账", phone="0571-87654321", district="xijie"
    )
    fresh = await file(description="新登记的面积问题", phone=None)
    await file(category=Category.OTHER, description="东关组的案件")
    comp1 = await login("comp1")
    page = await comp1.page("/staff")
    assert rows(page)[0] == old.number and set(rows(page)) == {old.number, delay.number, fresh.number}
    assert overdue_rows(page) == [old.number]
    assert page.count('<span class="badge overdue">超期</span>') == 1
    assert "138****2222" in page and "13811112222" not in page  # masked in lists, even for the department
    assert "0571-****4321" in page and "87654321" not in page
    assert "补偿款没按时发" in page and "西街片区" in page and "未签收" in page

    assert rows(await comp1.page("/staff?overdue=1")) == [old.number]
    assert rows(await comp1.page("/staff?category=payment_delay")) == [delay.number]
    assert rows(await comp1.page("/staff?district=xijie")) == [delay.number]
    assert rows(await comp1.page(f"/staff?q={delay.number.lower().replace('-', '')}")) == [delay.number]
    assert rows(await comp1.page("/staff?q=0571 8765 4321")) == [delay.number]
    assert rows(await comp1.page("/staff?q=13811112222")) == [old.number]
    assert rows(await comp1.page("/staff?q=迟迟不到账")) == [delay.number]
    assert rows(await comp1.page("/staff?q=东关组的案件")) == []  # another department's
    assert rows(await comp1.page("/staff?status=bogus&category=nope&district=mars&page=x")) == rows(page)

    await comp1.act(fresh.number, "claim")
    mine = await comp1.page("/staff?mine=1")
    assert rows(mine) == [fresh.number] and 'name="mine" value="1" checked' in mine
    await comp1.act(fresh.number, "reply", text="已答复")
    await comp1.act(fresh.number, "resolve", text="已办结")
    assert fresh.number not in rows(await comp1.page("/staff"))  # open cases by default
    assert rows(await comp1.page("/staff?status=closed")) == [fresh.number]
    assert fresh.number in rows(await comp1.page("/staff?status=all"))
    supervisor = await login("dudao")
    everything = await supervisor.page("/staff?status=all")
    assert len(rows(everything)) == 4 and 'name="department"' in everything
    assert 'name="department"' not in page  # department staff have one department anyway


async def test_pages_keep_the_filters(login: Login, file, clock: FakeClock) -> None:  # noqa: ANN001
    for i in range(33):
        await file(description=f"第{i}件")
        clock.advance(minutes=1)
    comp1 = await login("comp1")
    first = await comp1.page("/staff?category=compensation")
    assert len(rows(first)) == 30 and "第 1 / 2 页" in first and 'id="total">33<' in first
    assert 'href="/staff?category=compensation&amp;page=2" rel="next"' in first
    second = await comp1.page("/staff?category=compensation&page=2")
    assert len(rows(second)) == 3 and not set(rows(first)) & set(rows(second))
    assert 'href="/staff?category=compensation" rel="prev"' in second
    assert rows(await comp1.page("/staff?category=compensation&page=99")) == rows(second)  # clamped
    assert "export.csv?category=compensation" in first


async def test_past_the_count_cap_the_pager_says_more_and_pages_on(
    login: Login,
    file,
    clock: FakeClock,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pager counts up to COUNT_CAP cases, or as many as the requested page reaches (here 8, and pages of 5):
    above that it shows "8+" and a next page, and the count of a page further on is exact again once it is reached."""
    monkeypatch.setattr(queue, "COUNT_CAP", 8)
    monkeypatch.setattr(queue, "PAGE_SIZE", 5)
    filed = []
    for i in range(17):
        filed.append((await file(description=f"补偿款第{i}件")).number)
        clock.advance(minutes=1)
    await file(description="另一件事")
    comp1 = await login("comp1")
    first = await comp1.page("/staff?q=补偿款")
    assert 'id="total">8+</strong> 件，第 1 页' in first and "第 1 / " not in first
    assert "件数较多，未全部计数" in first
    assert 'href="/staff?q=%E8%A1%A5%E5%81%BF%E6%AC%BE&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    seen = rows(first)
    assert len(seen) == 5
    for page, total in ((2, "10+"), (3, "15+")):  # each page counts as far as it reaches, and there is more
        html = await comp1.page(f"/staff?q=补偿款&page={page}")
        assert f'id="total">{total}<' in html and f"第 {page} 页" in html
        assert f'page={page + 1}" rel="next"' in html and 'rel="prev"' in html
        assert len(rows(html)) == 5
        seen += rows(html)
    last = await comp1.page("/staff?q=补偿款&page=4")  # reaches the end: counted exactly
    assert 'id="total">17<' in last and "第 4 / 4 页" in last and 'rel="next"' not in last
    assert "未全部计数" not in last
    seen += rows(last)
    assert len(seen) == 17 and set(seen) == set(filed)  # every case once across the pages
    everything = rows(await comp1.page("/staff?q=补偿款&page=1000"))  # beyond the end: the last page
    assert everything == rows(last)
    all_open = await comp1.page("/staff")  # the same cap without a search: 18 open cases
    assert 'id="total">8+<' in all_open and len(rows(all_open)) == 5
    few = await comp1.page("/staff?q=另一件事")  # below the cap: exact, no pager
    assert 'id="total">1<' in few and 'class="pager"' not in few


async def test_resident_text_is_shown_escaped(login: Login, file) -> None:  # noqa: ANN001
    markup = "<script>alert('x')</script><img src=x onerror=alert(1)>我家\"面积\"少算了 & 没人管"
    case = await file(description=markup)
    comp1 = await login("comp1")
    for page in (await comp1.page("/staff"), await comp1.page(f"/staff/cases/{case.number}")):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    await comp1.act(case.number, "claim")
    await comp1.act(case.number, "note", text="<b>备注</b>")
    page = await comp1.page(f"/staff/cases/{case.number}")
    assert "&lt;b&gt;备注&lt;/b&gt;" in page and "<b>备注</b>" not in page


async def test_case_page_masks_the_phone_until_the_case_is_yours(login: Login, file) -> None:  # noqa: ANN001
    case = await file(phone="13812345678")
    comp1, comp2, supervisor = await login("comp1"), await login("comp2"), await login("dudao")
    page = await comp2.page(f"/staff/cases/{case.number}")
    assert "138****5678" in page and "13812345678" not in page and "签收后承办人可见完整号码" in page
    await comp1.act(case.number, "claim")
    assert "13812345678" in await comp1.page(f"/staff/cases/{case.number}")
    for agent in (comp2, supervisor):
        assert "13812345678" not in await agent.page(f"/staff/cases/{case.number}")


async def test_reminders_and_escalations_are_on_the_queue(
    client: TestClient,
    login: Login,
    file,  # noqa: ANN001
    clock: FakeClock,
) -> None:
    case = await file()
    clock.advance(days=1, hours=1)  # past 80 % of the 签收 deadline (end of the next working day)
    await client.app[keys.SCHEDULER].tick()
    comp1 = await login("comp1")
    page = await comp1.page("/staff")
    assert "工作提醒" in page and "到期提醒" in page and f"提醒：案件 {case.number} 的签收期限" in page
    assert "工作提醒" not in await (await login("dongguan")).page("/staff")
    clock.advance(days=3)
    await client.app[keys.SCHEDULER].tick()
    supervisor_page = await (await login("dudao")).page("/staff")
    assert f"督办：案件 {case.number} 已超过签收期限" in supervisor_page
