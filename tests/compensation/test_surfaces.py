"""The chat, the /calc page and `python -m bot calc` are one calculator: the same answers give the same figures, and
the same wrong answer gets the same message — each field is read by bot/compensation/fields.py and nowhere else."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.compensation.cli import main
from bot.compensation.rows import SHORT_LABELS
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from tests.support.transcript import ChatSession
from tests.web.test_calc_page import parse as parse_page

ROOT = Path(__file__).resolve().parents[2]
PARAMS = DEFAULT_KNOWLEDGE_DIR / "params.yaml"
TODAY = "2026-09-15"  # the FakeClock's day in Beijing: the chat and the page estimate for it, the CLI --as-of it
USE_LABELS = {"residential": "住宅", "business": "商铺门面", "mixed": "住宅+商铺"}
DECORATION_LABELS = {"none": "无装修", "simple": "简易装修", "standard": "普通装修", "fine": "精装修"}
DISTRICT_LABELS = {"dongguan": "东关片区", "xijie": "西街片区", "nanhe": "南河片区", "beishan": "北山片区"}


@dataclass(frozen=True)
class House:
    """The answers the chat asks for, as a resident would type or tap them."""

    district: str
    area: str
    use: str
    decoration: str
    business_area: str = ""
    assessed_price: str = ""
    exchange_area: str = ""
    sign_date: str = ""

    def fields(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


HOUSES = [
    House("dongguan", "85", "residential", "standard"),  # every optional answer skipped
    # mixed use, appraised price with a thousands comma, a bigger flat than the house (the resident pays in)
    House(
        "nanhe",
        "120",
        "mixed",
        "simple",
        business_area="三十",
        assessed_price="5,400元/平方米",
        exchange_area="150",
        sign_date="2026-10-15",
    ),
    # the area in a sentence and in Chinese numerals, business use, a smaller flat, signing after the period
    House("beishan", "一百二十平的砖房", "business", "fine", exchange_area="60", sign_date="2027-01-20"),
    # an area with fen, the last day of the last reward tier
    House("xijie", "85.55", "residential", "none", exchange_area="八十五平", sign_date="2026年12月31日"),
]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["calc", *args, "--params", str(PARAMS), "--as-of", TODAY])
    out, err = capsys.readouterr()
    return code, out, err


def cli_figures(capsys: pytest.CaptureFixture[str], house: House) -> tuple[dict[tuple[str, str], Decimal], set[str]]:
    """The figures by (option, row key), and the keys of the payments for the flat."""
    args = [a for name, value in house.fields().items() for a in (f"--{name.replace('_', '-')}", value)]
    code, out, err = cli(capsys, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    figures = {}
    for key, option in data["options"].items():
        for line in (*option["lines"], *option["payments"]):
            figures[(key, line["key"])] = Decimal(line["amount"])
        figures[(key, "total")] = Decimal(option["total"])
        figures[(key, "net")] = Decimal(option["net"])
        if option["payments"]:
            figures[(key, "payments_total")] = Decimal(option["payments_total"])
    return figures, {line["key"] for line in data["options"]["exchange"]["payments"]}


async def page_figures(chat: ChatSession, house: House) -> dict[tuple[str, str], Decimal]:
    response = await chat.client.get("/calc?" + urlencode(house.fields()))
    html = await response.text()
    assert response.status == 200, parse_page(html).errors
    return {cell: Decimal(text.replace(",", "")) for cell, text in parse_page(html).amounts.items() if text != "—"}


async def chat_figures(chat: ChatSession, house: House) -> dict[tuple[str, str], Decimal]:
    await chat.send(text="", start=True)
    await chat.press("估算补偿")
    await chat.press(DISTRICT_LABELS[house.district])
    await chat.say(house.area)
    await chat.press(USE_LABELS[house.use])
    if house.business_area:
        await chat.say(house.business_area)
    await chat.press(DECORATION_LABELS[house.decoration])
    if house.assessed_price:
        await chat.press("有评估单价")
        await chat.say(house.assessed_price)
    else:
        await chat.press("还没有（按参考价）")
    for answer in (house.exchange_area, house.sign_date):
        await (chat.say(answer) if answer else chat.press("跳过"))
    summary = chat.replies[0]["text"]
    assert summary.startswith("补偿估算结果"), chat.text
    keys = {short: key for key, short in SHORT_LABELS.items()}
    figures = {}
    for line in summary.split("单位：元")[1].split("\n\n")[0].splitlines()[1:]:
        label, _, cells = line.partition("　")
        if "｜" not in cells:
            continue  # the rule above the totals
        for option, cell in zip(("money", "exchange"), cells.strip("　").split("｜"), strict=True):
            if cell != "—":
                figures[(option, keys[label])] = Decimal(cell.replace(",", ""))
    return figures


@pytest.mark.parametrize("house", HOUSES, ids=lambda h: f"{h.district}-{h.use}")
async def test_the_three_surfaces_give_the_same_figures(
    chat: ChatSession, capsys: pytest.CaptureFixture[str], house: House
) -> None:
    by_cli, payments = cli_figures(capsys, house)
    by_page = await page_figures(chat, house)
    by_chat = await chat_figures(chat, house)
    assert by_page == by_cli
    # the chat's narrow table has one row for the flat's price (减安置房) instead of one per payment
    assert payments and by_chat == {cell: value for cell, value in by_cli.items() if cell[1] not in payments}
    assert len(by_chat) >= 14


# a wrong answer per field: (field, typed text, what the message says)
WRONG = [
    ("area", "abc", "没看懂建筑面积“abc”"),
    ("area", "0", "建筑面积必须大于 0"),
    ("area", "85.123", "最多保留两位小数"),
    ("district", "火星", "没有找到片区“火星”"),
    ("use", "宫殿", "没看懂房屋用途“宫殿”"),
    ("decoration", "豪华", "没看懂装修档次“豪华”"),
    ("assessed_price", "很贵", "没看懂评估单价“很贵”"),
    ("exchange_area", "-1", "安置房面积不能是负数"),
    ("sign_date", "2026-13-01", "不是一个真实的日期"),
    ("sign_date", "2026-09-01", "签约日期 2026-09-01 已经过去了（今天是 2026-09-15）"),
    ("floor", "地下", "没看懂所在楼层“地下”"),
    ("unregistered_area", "很多", "没看懂未登记建筑面积“很多”"),
]


@pytest.mark.parametrize(("field", "typed", "says"), WRONG, ids=[f"{f}-{t}" for f, t, _ in WRONG])
async def test_the_page_and_the_cli_refuse_a_wrong_answer_with_the_same_message(
    chat: ChatSession, capsys: pytest.CaptureFixture[str], field: str, typed: str, says: str
) -> None:
    answers = {"district": "dongguan", "area": "85", field: typed}
    code, _, err = cli(capsys, *(a for name, value in answers.items() for a in (f"--{name.replace('_', '-')}", value)))
    assert code == 2
    message = err.strip().removeprefix("输入有误：")
    assert says in message
    response = await chat.client.get("/calc?" + urlencode(answers))
    assert response.status == 422
    assert parse_page(await response.text()).errors == {field: message}


CHAT_STEPS = {  # how the chat gets to the question of a field: the answers before it
    "area": ["press:东关片区"],
    "district": [],
    "use": ["press:东关片区", "say:85"],
    "decoration": ["press:东关片区", "say:85", "press:住宅"],
    "assessed_price": ["press:东关片区", "say:85", "press:住宅", "press:无装修", "press:有评估单价"],
    "exchange_area": ["press:东关片区", "say:85", "press:住宅", "press:无装修", "press:还没有（按参考价）"],
    "sign_date": ["press:东关片区", "say:85", "press:住宅", "press:无装修", "press:还没有（按参考价）", "press:跳过"],
}


@pytest.mark.parametrize(("field", "typed", "says"), [w for w in WRONG if w[0] in CHAT_STEPS],
                         ids=[f"{f}-{t}" for f, t, _ in WRONG if f in CHAT_STEPS])  # fmt: skip
async def test_the_chat_refuses_a_wrong_answer_with_the_same_message(
    chat: ChatSession, capsys: pytest.CaptureFixture[str], field: str, typed: str, says: str
) -> None:
    code, _, err = cli(capsys, "--district", "dongguan", "--area", "85", f"--{field.replace('_', '-')}", typed)
    message = err.strip().removeprefix("输入有误：")
    await chat.send(text="", start=True)
    await chat.press("估算补偿")
    for step in CHAT_STEPS[field]:
        how, _, what = step.partition(":")
        await (chat.press(what) if how == "press" else chat.say(what))
    await chat.say(typed)
    assert chat.replies[0]["text"].startswith(message), chat.text
    assert code == 2 and says in message


def test_no_other_module_parses_a_compensation_answer() -> None:
    """The quantity parsers are called from the field table only (the CLI's --as-of is not an answer)."""
    parsers = re.compile(r"\b(parse_area|parse_money|parse_unit_price|parse_floor|parse_date|from_text)\(")
    callers = {
        path.relative_to(ROOT).as_posix()
        for folder in ("bot", "handlers")
        for path in (ROOT / folder).rglob("*.py")
        if parsers.search(path.read_text(encoding="utf-8"))
    }
    assert callers == {"bot/compensation/fields.py", "bot/compensation/quantity.py", "bot/compensation/cli.py"}
    assert 'parse_date(text, "估算日期（--as-of）")' in (ROOT / "bot/compensation/cli.py").read_text(encoding="utf-8")
