"""Reading `sources` lines: Chinese article numbers, lists and ranges, several acts, county-plan clauses."""

from __future__ import annotations

import pytest

from knowledge.citations import (
    Kind,
    NumeralError,
    act_key,
    article_label,
    article_number,
    chinese_number,
    parse_number,
    parse_source,
    plan_name,
)

PLAN = "《示例县棚户区改造项目国有土地上房屋征收补偿方案》"


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (1, "一"),
        (10, "十"),
        (13, "十三"),
        (20, "二十"),
        (24, "二十四"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (230, "二百三十"),
        (301, "三百零一"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1121, "一千一百二十一"),
        (1260, "一千二百六十"),
    ],
)
def test_article_numbers_are_written_as_the_official_texts_write_them(number: int, written: str) -> None:
    assert chinese_number(number) == written
    assert parse_number(written) == number
    assert article_number(f"第{written}条") == number and article_label(number) == f"第{written}条"


def test_every_article_number_reads_back_as_itself() -> None:
    assert all(parse_number(chinese_number(n)) == n for n in range(1, 2000))


def test_arabic_numbers_and_odd_spellings_are_read() -> None:
    assert parse_number("19") == 19 and parse_number("三百〇一") == 301
    assert parse_number("两百") == 200


@pytest.mark.parametrize("bad", ["", "第十九", "十九条", "第甲条", "第十九条第二款"])
def test_a_label_that_is_not_an_article_number_is_refused(bad: str) -> None:
    with pytest.raises(NumeralError):
        article_number(bad)


def test_one_article() -> None:
    (citation,) = parse_source("《国有土地上房屋征收与补偿条例》第十九条", PLAN)
    assert citation.kind is Kind.STATUTE and citation.act == "国有土地上房屋征收与补偿条例"
    assert citation.articles == (19,) and citation.labels == ("第十九条",)


def test_a_list_of_articles_keeps_the_order_cited() -> None:
    (citation,) = parse_source("《国有土地上房屋征收与补偿条例》第三条、第十五条、第二十六条、第二十九条", PLAN)
    assert citation.articles == (3, 15, 26, 29)


def test_a_shared_article_word_lists_both_numbers() -> None:
    (citation,) = parse_source("《国有土地上房屋征收与补偿条例》第十九、二十四条", PLAN)
    assert citation.articles == (19, 24)


@pytest.mark.parametrize("written", ["第十九条至第二十二条", "第十九至二十二条", "第十九条—第二十二条"])
def test_a_range_cites_every_article_in_it(written: str) -> None:
    (citation,) = parse_source(f"《国有土地上房屋征收评估办法》{written}", PLAN)
    assert citation.articles == (19, 20, 21, 22)


def test_a_paragraph_or_item_cites_its_whole_article() -> None:
    (citation,) = parse_source("《国有土地上房屋征收与补偿条例》第十七条第二款、第二十一条第三款第一项", PLAN)
    assert citation.articles == (17, 21)


def test_two_acts_on_one_line_are_two_citations() -> None:
    first, second = parse_source(
        "《中华人民共和国行政诉讼法》第十五条、第四十五条，《中华人民共和国行政复议法》第二十条", PLAN
    )
    assert (first.act, first.articles) == ("中华人民共和国行政诉讼法", (15, 45))
    assert (second.act, second.articles) == ("中华人民共和国行政复议法", (20,))


def test_an_act_cited_without_an_article_has_no_articles() -> None:
    (citation,) = parse_source("《信访工作条例》（2022年5月1日起施行）关于复查、复核的规定", PLAN)
    assert citation.kind is Kind.STATUTE and citation.act == "信访工作条例" and citation.articles == ()


def test_a_county_plan_clause_is_not_a_statute() -> None:
    (citation,) = parse_source(f"{PLAN}第十条", PLAN)
    assert citation.kind is Kind.PLAN and citation.clause == "第十条" and citation.articles == ()
    (whole,) = parse_source(PLAN, PLAN)
    assert whole.kind is Kind.PLAN and whole.clause == ""


def test_other_sources_cite_nothing() -> None:
    (citation,) = parse_source("示例县房屋征收指挥部公布的办公地址和电话", PLAN)
    assert citation.kind is Kind.OTHER and citation.articles == ()


def test_acts_are_found_with_or_without_the_national_prefix() -> None:
    assert act_key("《中华人民共和国民法典》") == act_key("民法典") == "民法典"


def test_the_plan_name_comes_from_the_parameter_file() -> None:
    assert plan_name({"plan": {"name": PLAN}}) == PLAN
    assert plan_name({}) == "" and plan_name({"plan": "?"}) == ""
