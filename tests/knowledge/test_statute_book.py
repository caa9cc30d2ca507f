"""The shipped article texts and their loader: every act says where its text comes from and which edition it is;
articles sit under the right numbers; a broken file is refused with its name."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.citations import article_label
from knowledge.params import KnowledgeError
from knowledge.statute_book import load_statutes

ACTS = {
    "国有土地上房屋征收与补偿条例",
    "国有土地上房屋征收评估办法",
    "信访工作条例",
    "中华人民共和国行政强制法",
    "中华人民共和国行政复议法",
    "中华人民共和国行政诉讼法",
    "中华人民共和国民法典",
    "中华人民共和国契税法",
    "中华人民共和国土地管理法",
}


def test_every_act_the_answers_rest_on_is_shipped_with_its_edition_and_source(kb: KnowledgeBase) -> None:
    titles = {act.title for act in kb.statutes.acts}
    assert titles >= ACTS
    for act in kb.statutes.acts:
        assert act.edition and act.source and act.read_at, act.path
        assert act.articles, act.path
    assert "590号" in kb.statutes.act("国有土地上房屋征收与补偿条例").edition
    assert "2023年" in kb.statutes.act("行政复议法").edition and "2024年1月1日" in kb.statutes.act("行政复议法").edition
    assert "2017年" in kb.statutes.act("行政诉讼法").edition
    assert "2022年5月1日" in kb.statutes.act("信访工作条例").edition


def test_the_whole_expropriation_regulation_is_shipped_word_for_word(kb: KnowledgeBase) -> None:
    act = kb.statutes.act("国有土地上房屋征收与补偿条例")
    assert sorted(act.articles) == list(range(1, 36)) and all(a.confirmed for a in act.articles.values())
    assert act.article(27).text.startswith("实施房屋征收应当先补偿、后搬迁。\n")
    assert "类似房地产的市场价格" in act.article(19).text and "房屋征收决定公告之日" in act.article(19).text
    assert "被征收房屋所有权人不明确的" in act.article(26).text


@pytest.mark.parametrize(
    ("act", "number", "words"),
    [
        ("行政强制法", 43, "不得在夜间或者法定节假日实施行政强制执行"),
        ("行政强制法", 44, "限期当事人自行拆除"),
        ("行政复议法", 20, "六十日内提出行政复议申请"),
        ("行政诉讼法", 15, "县级以上地方人民政府所作的行政行为"),
        ("行政诉讼法", 45, "十五日内向人民法院提起诉讼"),
        ("行政诉讼法", 46, "六个月内提出"),
        ("民法典", 230, "因继承取得物权的，自继承开始时发生效力。"),
        ("民法典", 301, "全体共同共有人同意"),
        ("契税法", 7, "因土地、房屋被县级以上人民政府征收、征用"),
        ("土地管理法", 47, "公告至少三十日"),
        ("信访工作条例", 23, "5个工作日内提出异议"),
        ("信访工作条例", 34, "60日内办结"),
        ("信访工作条例", 35, "复查"),
        ("信访工作条例", 36, "复核"),
        ("信访工作条例", 30, "不得将信访人的检举、揭发材料"),
    ],
)
def test_the_articles_answers_cite_sit_under_their_numbers(
    kb: KnowledgeBase, act: str, number: int, words: str
) -> None:
    article = kb.statutes.act(act).article(number)
    assert article is not None and article.confirmed and words in article.text
    assert article.label == article_label(number)


def test_the_appraisal_measures_are_listed_as_not_confirmed_with_where_to_read_them(kb: KnowledgeBase) -> None:
    act = kb.statutes.act("国有土地上房屋征收评估办法")
    assert {3, 4, 5, 9, 14, 16, 19, 20, 21, 22, 31} <= set(act.articles)
    assert not any(a.confirmed for a in act.articles.values())
    assert all("建房〔2011〕77号" in a.read_at for a in act.articles.values())


def write(directory: Path, name: str, text: str) -> Path:
    (directory / "statutes").mkdir(exist_ok=True)
    path = directory / "statutes" / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """title: 示例法
edition: 2020年公布
source: 测试
read_at: 某处
articles:
  第一条: |-
    第一款。
    第二款。
  第二条: {confirmed: false}
  第三条: {confirmed: false, read_at: 另一处}
"""


def test_a_curators_file_loads_paragraphs_and_unconfirmed_articles(tmp_path: Path) -> None:
    write(tmp_path, "example.yaml", GOOD)
    act = load_statutes(tmp_path).act("示例法")
    assert act.article(1).text == "第一款。\n第二款。"
    assert not act.article(2).confirmed and act.article(2).read_at == "某处"
    assert act.article(3).read_at == "另一处" and act.article(4) is None


def test_no_statutes_directory_is_an_empty_book(tmp_path: Path) -> None:
    assert load_statutes(tmp_path).acts == ()


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace("第一条:", "一:"), "第十九条"),
        (GOOD.replace("source: 测试\n", ""), "missing source"),
        (GOOD.replace("title: 示例法\n", "title: 示例法\ntypo: 1\n"), "unknown key typo"),
        (GOOD.replace("第二条: {confirmed: false}", "第二条: {confirmed: true}"), "第二条 must be"),
        (GOOD.replace("第二条: {confirmed: false}", "第二条: ''"), "第二条 has no text"),
        (GOOD.replace("第三条:", "第一条:"), "第一条 is listed twice"),
        ("title: [", "example.yaml"),
        ("- a list", "expected title"),
    ],
)
def test_a_broken_file_is_refused_with_its_name(tmp_path: Path, broken: str, message: str) -> None:
    write(tmp_path, "example.yaml", broken)
    with pytest.raises(KnowledgeError) as raised:
        load_statutes(tmp_path)
    assert "example.yaml" in str(raised.value) and message in str(raised.value)


def test_two_files_claiming_one_name_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("title: 示例法", "title: 另一法\naliases: [示例法]"))
    with pytest.raises(KnowledgeError, match="示例法"):
        load_statutes(tmp_path)
