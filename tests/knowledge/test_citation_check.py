"""`kb check` on citations: every article an answer cites is shipped, with its text or as not confirmed."""

from __future__ import annotations

from dataclasses import replace

from knowledge.base import KnowledgeBase
from knowledge.check import check_citations
from knowledge.citations import plan_name


def problems_with(kb: KnowledgeBase, topic_id: str, *sources: str) -> list[str]:
    entries = {topic_id: replace(kb.entries[topic_id], sources=sources)}
    return check_citations(entries, kb.statutes, plan_name(kb.params))


def test_confirmed_and_not_confirmed_articles_and_plan_clauses_pass(kb: KnowledgeBase) -> None:
    assert (
        problems_with(
            kb,
            "comp.appraisal_dispute",
            "《国有土地上房屋征收与补偿条例》第十九条",
            "《国有土地上房屋征收评估办法》第十九条至第二十二条",
            f"{kb.params['plan']['name']}第六条",
            "示例县房屋征收指挥部公布的办公地址和电话",
            "《中华人民共和国行政诉讼法》第十五条、第四十五条，《行政复议法》第二十条",
        )
        == []
    )


def test_an_article_in_neither_list_fails(kb: KnowledgeBase) -> None:
    (problem,) = problems_with(kb, "comp.valuation", "《国有土地上房屋征收评估办法》第三十二条")
    assert problem.startswith("comp.valuation: cites 《国有土地上房屋征收评估办法》第三十二条")
    assert "neither the confirmed nor the not-confirmed" in problem and "appraisal_measures.yaml" in problem


def test_every_missing_article_of_a_range_is_named(kb: KnowledgeBase) -> None:
    problems = problems_with(kb, "comp.valuation", "《国有土地上房屋征收与补偿条例》第三十四条至第三十七条")
    assert [p.split("》")[1].split(",")[0] for p in problems] == ["第三十六条", "第三十七条"]


def test_an_act_without_a_file_fails(kb: KnowledgeBase) -> None:
    (problem,) = problems_with(kb, "comp.scope", "《中华人民共和国个人所得税法》第四条")
    assert "《中华人民共和国个人所得税法》, which has no file in statutes/" in problem


def test_an_act_cited_without_an_article_fails(kb: KnowledgeBase) -> None:
    (problem,) = problems_with(kb, "petition.review", "《信访工作条例》关于复查、复核的规定")
    assert "without an article number" in problem


def test_an_article_cited_without_its_act_fails(kb: KnowledgeBase) -> None:
    (problem,) = problems_with(kb, "comp.scope", "条例第十七条")
    assert "without the act's name in 《》" in problem


def test_the_shipped_entries_cite_only_shipped_articles(kb: KnowledgeBase) -> None:
    problems = check_citations(kb.entries, kb.statutes, plan_name(kb.params))
    assert [p for p in problems if "without an article number" not in p] == []
