"""Every cache fed by residents' text stays bounded (issue 9): 10,000 distinct junk questions, sent once each, leave
the word-weight cache and the remembered verdicts at their caps."""

from __future__ import annotations

import gc
import random

from knowledge.analyzer import INFO_CACHE_SIZE
from knowledge.base import MATCH_CACHE_SIZE, MEMO_MAX_CHARS, Context, KnowledgeBase, _plain, _result
from knowledge.index import Candidate, MatchResult

JUNK = 10_000


def junk_questions(n: int, seed: int = 9) -> list[str]:
    """Distinct questions of random characters (CJK, Latin, digits): every one brings words never seen before."""
    rng = random.Random(seed)
    cjk = [chr(c) for c in range(0x4E00, 0x9FA5)]
    out = []
    for i in range(n):
        words = "".join(rng.choice(cjk) for _ in range(rng.randint(4, 14)))
        out.append(f"{words}{rng.randint(0, 10**9)}{''.join(rng.choice('abcdefghij') for _ in range(6))}补偿{i}")
    return out


def test_junk_questions_leave_the_caches_bounded(kb: KnowledgeBase) -> None:
    analyzer = kb.index._analyzer
    questions = junk_questions(JUNK)
    for q in questions[:1000]:
        kb.match(q)
    weights_after_warm_up = len(analyzer._informativeness)
    for q in questions[1000:]:
        kb.match(q)
        kb.match(q[:5], Context("过渡费怎么算", ("comp.transition_fee",), "comp.transition_fee"))
    assert len(analyzer._informativeness) <= INFO_CACHE_SIZE
    # unseen words (numbers, Latin, made-up character runs) are never keys: only dictionary words are remembered
    assert not any(key.isascii() for key in analyzer._informativeness)
    assert len(analyzer._informativeness) - weights_after_warm_up < JUNK  # not one entry per question
    assert kb._remembered.cache_info().currsize <= MATCH_CACHE_SIZE


def test_long_messages_are_never_remembered(kb: KnowledgeBase) -> None:
    kb._remembered.cache_clear()
    story = "俺家那房子是八几年盖的" * (MEMO_MAX_CHARS // 10 + 1)
    assert len(story) > MEMO_MAX_CHARS
    kb.match(story)
    assert kb._remembered.cache_info().currsize == 0
    kb.match("过渡费怎么算")
    assert kb._remembered.cache_info().currsize == 1


def test_remembered_verdicts_are_the_verdicts_and_nothing_the_collector_walks(kb: KnowledgeBase) -> None:
    """The memo keeps verdicts as plain tuples (untracked by the garbage collector, which a server's full
    collections would otherwise walk by the ten thousand): what comes out of it is the verdict itself, contexts
    included, and remembering many verdicts adds no object the collector tracks."""
    kb._remembered.cache_clear()
    context = Context("过渡费怎么算", ("comp.transition_fee",), "comp.transition_fee")
    questions = [("过渡费怎么算", None), ("那要多久", context), ("补偿款什么时候到账", None), ("能不能快点", context)]
    for question, given in questions:
        fresh = kb._match(question, given)
        assert kb.match(question, given) == fresh  # remembered now
        assert kb.match(question, given) == fresh  # from the memo
    assert kb._remembered.cache_info().hits >= len(questions)
    full = MatchResult("comp.x", 0.9, (Candidate("comp.x", 0.9), Candidate("comp.y", 0.5)), "flow:y", "comp.z", True)
    assert _result(_plain(full)) == full  # every field kept (a field added to MatchResult must be added there)

    def tracked_verdicts() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, MatchResult | Candidate))

    before = tracked_verdicts()
    for q in junk_questions(300, seed=11):
        kb.match(q[:12])
    assert kb._remembered.cache_info().currsize > 250
    assert tracked_verdicts() <= before
