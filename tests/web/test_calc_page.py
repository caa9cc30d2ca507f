"""/calc over HTTP: the form, the printable table (the engine's numbers, to the fen), and bad input (4xx, never 500)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from bot.app import create_app
from bot.compensation import estimate, estimate_to_json, household_from_fields, parse_params
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock

EXAMPLES = [
    {"district": "dongguan", "area": "85", "decoration": "standard", "exchange_area": "100", "sign_date": "2026-10-10"},
    {"district": "西街片区", "area": "一百二十平", "use": "mixed", "business_area": "30", "decoration": "fine",
     "floor": "2", "orientation": "south", "unregistered_area": "10", "exchange_area": "140",
     "sign_date": "2026-11-01"},
    {"district": "nanhe", "area": "40", "use": "business", "assessed_price": "6100元/平方米",
     "decoration_amount": "2万", "sign_date": "2027-02-01"},
    {"district": "北山", "area": "60.5", "decoration": "simple", "exchange_area": "50"},
]  # fmt: skip


class Cells(HTMLParser):
    """The result table's amount cells, by (option, key), and the error messages by field."""

    def __init__(self) -> None:
        super().__init__()
        self.amounts: dict[tuple[str, str], str] = {}
        self.errors: dict[str, str] = {}
        self._cell: tuple[str, str] | None = None
        self._error: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "td" and a.get("data-option") and a.get("data-key"):
            self._cell, self._text = (a["data-option"] or "", a["data-key"] or ""), []
        if tag == "p" and a.get("class") == "error":
            self._error, self._text = (a.get("id") or "").removeprefix("err-"), []

    def handle_data(self, data: str) -> None:
        if self._cell or self._error:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell:
            self.amounts[self._cell] = "".join(self._text).strip()
            self._cell = None
        if tag == "p" and self._error:
            self.errors[self._error] = "".join(self._text).strip()
            self._error = None


def parse(html: str) -> Cells:
    cells = Cells()
    cells.feed(html)
    return cells


def engine(kb: KnowledgeBase, fields: dict[str, str]) -> dict[str, Any]:
    params = parse_params(kb.params)
    return estimate_to_json(estimate(household_from_fields(fields, params), params))


def plain(shown: str) -> str:
    """A table cell "1,234.50" as the JSON writes it: "1234.50"."""
    return f"{Decimal(shown.replace(',', '')):.2f}"


def expected_cells(data: dict[str, Any]) -> dict[tuple[str, str], str]:
    cells: dict[tuple[str, str], str] = {}
    for key, option in data["options"].items():
        for line in (*option["lines"], *option["payments"]):
            cells[(key, line["key"])] = line["amount"]
        cells[(key, "total")] = option["total"]
        cells[(key, "net")] = option["net"]
    exchange = data["options"]["exchange"]
    if exchange["payments"]:
        cells[("exchange", "payments_total")] = exchange["payments_total"]
    return cells


async def test_empty_form_is_a_labelled_mobile_page(client) -> None:  # noqa: ANN001
    response = await client.get("/calc")
    assert response.status == 200
    html = await response.text()
    assert 'name="viewport"' in html and "/static/calc.css" in html
    for name in ("district", "area", "use", "decoration", "assessed_price", "exchange_area", "sign_date", "floor"):
        assert f'<label for="in-{name}">' in html, name
        assert f'id="in-{name}" name="{name}"' in html, name
    assert re.search(r'<select id="in-district".*?东关片区.*?北山片区', html, re.S)
    assert "<table" not in html and 'class="error"' not in html
    assert (await client.get("/static/calc.css")).status == 200


@pytest.mark.parametrize("fields", EXAMPLES, ids=["residential", "mixed-all-fields", "business-late", "smaller-flat"])
async def test_result_table_equals_the_engine(
    client,
    kb: KnowledgeBase,
    fields: dict[str, str],  # noqa: ANN001
) -> None:
    response = await client.get("/calc?" + urlencode(fields))
    assert response.status == 200, await response.text()
    html = await response.text()
    expected = engine(kb, fields)
    shown = parse(html).amounts
    cells = expected_cells(expected)
    for (option, key), amount in cells.items():
        assert plain(shown[(option, key)]) == amount, (option, key)
    assert {k for k, v in shown.items() if v != "—"} == set(cells)  # nothing more, nothing less
    # every line's formula and source, the notes, the trade-off and the reminder are on the page
    for option in expected["options"].values():
        for line in (*option["lines"], *option["payments"]):
            assert _escaped(line["formula"]) in html and _escaped(line["source"]) in html
    for note in expected["notes"]:
        assert _escaped(note) in html
    for paragraph in expected["comparison"].splitlines():
        assert _escaped(paragraph) in html
    assert _escaped(expected["reminder"]) in html
    assert "@media print" in (await (await client.get("/static/calc.css")).text())


async def test_post_form_gives_the_same_table(client, kb: KnowledgeBase) -> None:  # noqa: ANN001
    fields = EXAMPLES[0]
    get = parse(await (await client.get("/calc?" + urlencode(fields))).text()).amounts
    response = await client.post("/calc", data=fields)
    assert response.status == 200
    assert parse(await response.text()).amounts == get


async def test_inputs_are_echoed_back_into_the_form(client) -> None:  # noqa: ANN001
    fields = {**EXAMPLES[1]}
    html = await (await client.get("/calc?" + urlencode(fields))).text()
    assert 'value="一百二十平"' in html
    assert '<option value="xijie" selected>' in html  # a district given by name selects it
    assert '<option value="mixed" selected>' in html
    assert '<option value="south" selected>' in html
    assert '<details class="more" open>' in html  # optional fields that were filled in are not hidden


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"district": "dongguan", "area": "abc"}, "area", "没看懂建筑面积“abc”"),
        ({"district": "dongguan", "area": "0"}, "area", "建筑面积必须大于 0"),
        ({"district": "dongguan", "area": "-85"}, "area", "不能是负数"),
        ({"district": "dongguan", "area": "20000"}, "area", "超出了合理范围"),
        ({"district": "dongguan", "area": ""}, "area", "请填写建筑面积"),
        ({"district": "火星", "area": "85"}, "district", "没有找到片区“火星”"),
        ({"district": "", "area": "85"}, "district", "请选择房屋所在的片区"),
        ({"district": "dongguan", "area": "85", "use": "宫殿"}, "use", "没看懂房屋用途"),
        ({"district": "dongguan", "area": "85", "decoration": "豪华"}, "decoration", "没看懂装修档次"),
        (
            {"district": "dongguan", "area": "85", "sign_date": "2026-08-01"},
            "sign_date",
            "签约日期 2026-08-01 已经过去了（今天是 2026-09-15）",
        ),
        ({"district": "dongguan", "area": "85", "sign_date": "2026-13-01"}, "sign_date", "不是一个真实的日期"),
        ({"district": "dongguan", "area": "85", "floor": "地下"}, "floor", "没看懂所在楼层"),
        ({"district": "dongguan", "area": "85", "exchange_area": "0"}, "exchange_area", "安置房面积必须大于 0"),
        ({"district": "dongguan", "area": "85", "use": "mixed"}, "business_area", "请填写其中用来经营的面积"),
        ({"district": "dongguan", "area": "85", "use": "mixed", "business_area": "90"}, "business_area", "不能大于"),
        ({"district": "dongguan", "area": "85", "business_area": "20"}, "business_area", "不用填写经营面积"),
        (
            {"district": "dongguan", "area": "85", "decoration": "standard", "decoration_amount": "2万"},
            "decoration",
            "只填一项",
        ),
    ],
)
async def test_bad_input_is_shown_next_to_its_field(
    client,
    fields: dict[str, str],
    field: str,
    message: str,  # noqa: ANN001
) -> None:
    for response in (await client.get("/calc?" + urlencode(fields)), await client.post("/calc", data=fields)):
        assert response.status == 422
        html = await response.text()
        errors = parse(html).errors
        assert field in errors and message in errors[field], errors
        assert "<table" not in html
        assert 'aria-invalid="true"' in html


def sign_hint(html: str) -> str:
    match = re.search(r'<p class="hint" id="hint-sign_date">(.*?)</p>', html, re.S)
    assert match, "no hint under the sign date"
    return match.group(1)


async def test_only_tiers_still_open_today_are_offered(client, clock: FakeClock) -> None:  # noqa: ANN001
    # regression (issue 9, point 10): on 2026-12-01 the page still listed the 2026-10-15 tier
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    html = await (await client.get("/calc")).text()
    hint = sign_hint(html)
    assert "2026-12-31 前（含）签约奖励 10,000 元" in hint
    assert "2026-10-15" not in hint and "2026-11-30" not in hint
    assert 'placeholder="例如 2026-12-31"' in html


async def test_a_past_sign_date_is_refused(client, clock: FakeClock) -> None:  # noqa: ANN001
    # regression (issue 9, point 10): on 2026-12-01 a sign date of 2026-10-01 credited 30,000 with no warning
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    fields = {"district": "dongguan", "area": "85", "sign_date": "2026-10-01"}
    for response in (await client.get("/calc?" + urlencode(fields)), await client.post("/calc", data=fields)):
        assert response.status == 422
        html = await response.text()
        assert "签约日期 2026-10-01 已经过去了（今天是 2026-12-01）" in parse(html).errors["sign_date"]
        assert "<table" not in html
    response = await client.get("/calc?" + urlencode({**fields, "sign_date": "2026-12-01"}))
    assert response.status == 200
    assert parse(await response.text()).amounts[("money", "signing_reward")] == "10,000.00"


async def test_when_every_tier_has_passed_the_page_says_so(client, clock: FakeClock) -> None:  # noqa: ANN001
    clock.now = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    notice = "签约奖励各档都已截止（最后一档截至 2026-12-31），现在签约不再有签约奖励；签约期已于 2026-12-31 结束。"
    assert notice in sign_hint(await (await client.get("/calc")).text())
    response = await client.get("/calc?district=dongguan&area=85")
    assert response.status == 200
    html = await response.text()
    assert parse(html).amounts[("money", "signing_reward")] == "0.00"
    assert notice in html


async def test_a_sign_date_before_the_signing_period(client, clock: FakeClock) -> None:  # noqa: ANN001
    clock.now = datetime(2026, 8, 20, 1, 0, tzinfo=UTC)  # the signing period has not opened yet
    response = await client.get("/calc?district=dongguan&area=85&sign_date=2026-08-25")
    assert response.status == 422
    assert "签约期从 2026-09-01 开始" in parse(await response.text()).errors["sign_date"]


async def test_all_field_errors_at_once(client) -> None:  # noqa: ANN001
    fields = {"district": "", "area": "abc", "floor": "x", "sign_date": "昨天", "exchange_area": "-1"}
    response = await client.get("/calc?" + urlencode(fields))
    assert response.status == 422
    assert set(parse(await response.text()).errors) == {"district", "area", "floor", "sign_date", "exchange_area"}


async def test_input_is_escaped_when_echoed(client) -> None:  # noqa: ANN001
    evil = '"><script>alert(1)</script>'
    response = await client.get("/calc?" + urlencode({"district": evil, "area": evil, "floor": "<b>3</b>"}))
    assert response.status == 422
    html = await response.text()
    assert "<script>alert(1)</script>" not in html and "<b>3</b>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "query",
    [
        "area=%FF%FE&district=dongguan",
        "area=85&district=%00%01%02",
        "area=" + "9" * 5000 + "&district=dongguan",
        "area=85&area=90&district=dongguan",
        "area=1e400&district=dongguan",
        "area=NaN&district=dongguan",
        "area=Infinity&district=dongguan",
        "area=85&district=dongguan&sign_date=9999-99-99",
        "area=85&district=dongguan&sign_date=0001-01-01",
        "area=85&district=dongguan&assessed_price=0.001",
        "area=85&district=dongguan&decoration_amount=" + quote("一万万万"),
        "area=" + quote("８５㎡") + "&district=" + quote("东关"),
        "area=%E2%80%AE85&district=dongguan",
        "unknown=1",
        "area",
    ],
)
async def test_hostile_queries_never_500(client, query: str) -> None:  # noqa: ANN001
    response = await client.get("/calc?" + query)
    assert response.status in (200, 422), query
    assert "text/html" in response.headers["Content-Type"]


async def test_hostile_bodies_never_500(client) -> None:  # noqa: ANN001
    cases = [
        (b"area=%FF&district=dongguan", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\xfd=1", "application/x-www-form-urlencoded"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"--x\r\n\r\n", "multipart/form-data; boundary=x"),
        (b'--x\r\nContent-Disposition: form-data; name="area"\r\n\r\n85', "multipart/form-data; boundary=x"),
        (
            b'--x\r\nContent-Disposition: form-data; name="area"; filename="a.txt"\r\n\r\n85\r\n--x--\r\n',
            "multipart/form-data; boundary=x",
        ),
        (b"anything", "multipart/form-data"),
        (b'{"area": "85"}', "application/json"),
        (b"area=85&district=dongguan", "text/plain"),
    ]
    for body, content_type in cases:
        response = await client.post("/calc", data=body, headers={"Content-Type": content_type})
        assert 200 <= response.status < 500, (body, response.status)
    big = ("area=" + "8" * 70_000).encode()
    response = await client.post("/calc", data=big, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 413


async def test_unusable_parameter_file_is_503_not_500(
    aiohttp_client,
    settings,
    kb: KnowledgeBase,  # noqa: ANN001
) -> None:
    broken = replace(kb, params={**kb.params, "compensation": {"relocation_fee": "abc"}})
    client = await aiohttp_client(create_app(settings, knowledge=broken))
    response = await client.get("/calc?area=85&district=dongguan")
    assert response.status == 503
    assert "暂时用不了" in await response.text()


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
