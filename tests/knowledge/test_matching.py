"""The matcher answers what residents actually type, and abstains on what it does not know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.evaluate import LabelledQuestion, evaluate

DATA = Path(__file__).resolve().parent.parent / "data"
DEV_SET = Path(__file__).resolve().parents[2] / "knowledge" / "eval" / "dev_questions.jsonl"


def load_set(path: Path) -> list[LabelledQuestion]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [LabelledQuestion(r["q"], tuple(r["expect"])) for r in rows]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("过度费怎么发", "comp.transition_fee"),  # homophone typo 过度 → 过渡
        ("征收补常都包括啥", "comp.scope"),  # 补常 → 补偿
        ("房屋徵收補償包含哪些項目", "comp.scope"),  # Traditional characters
        ("俺家房本丢了还能补偿吗", "comp.unregistered"),  # 房本 ≈ 房产证, 俺 ≈ 我
        ("ＡＪ－２０２６－０００１２３", "intent:status"),  # full-width case number
        ("转人工", "intent:human"),
        ("俺家85平能补多少钱", "intent:calculator"),
        ("强拆", "proc.forced_demolition"),  # keyword only
        ("回迁房在哪块地", "comp.swap_location"),  # 回迁房 ≈ 安置房
    ],
)
def test_resident_wording_finds_the_topic(kb: KnowledgeBase, question: str, topic: str) -> None:
    assert kb.match(question).label == topic


@pytest.mark.parametrize("question", ["明天会下雨吗", "帮我写一首诗", "asdfgh", "😀", "", "   ", "？？？", "讲个笑话"])
def test_off_topic_or_empty_abstains(kb: KnowledgeBase, question: str) -> None:
    assert kb.match(question).label is None


def test_every_topic_is_reachable_by_its_own_title(kb: KnowledgeBase) -> None:
    wrong = {e.id: kb.match(e.title).label for e in kb.topics if kb.match(e.title).label != e.id}
    assert wrong == {}


def test_dev_set_meets_the_target(kb: KnowledgeBase) -> None:
    report = evaluate(kb, load_set(DEV_SET))
    assert report.hit1 >= 0.95, report.misses
    assert report.abstain_recall == 1.0, report.misses


def test_heldout_colloquial_set_stays_answered(kb: KnowledgeBase) -> None:
    """Written without seeing the entries, then used to find gaps in them: a regression floor."""
    report = evaluate(kb, load_set(DATA / "heldout_questions.jsonl"))
    assert report.hit1 >= 0.95, "\n".join(report.misses)
    assert report.hit3 >= 0.98
    assert report.abstain_recall >= 0.95


def test_unseen_set_generalises(kb: KnowledgeBase) -> None:
    """A second independent set, never used for tuning: how well matching carries to new wording."""
    report = evaluate(kb, load_set(DATA / "unseen_questions.jsonl"))
    assert report.hit1 >= 0.85, "\n".join(report.misses)
    assert report.hit3 >= 0.95
    assert report.abstain_recall >= 0.8


def test_ranking_is_deterministic_and_bounded(kb: KnowledgeBase) -> None:
    first = kb.index.rank("过渡费和搬迁费有什么区别")
    assert first == kb.index.rank("过渡费和搬迁费有什么区别")
    assert all(0.0 <= c.score <= 1.0 for c in first)
    assert [c.score for c in first] == sorted((c.score for c in first), reverse=True)
