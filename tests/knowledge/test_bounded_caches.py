"""Every cache fed by residents' text stays bounded (issue 9): 10,000 distinct junk questions, sent once each, leave
the word-weight cache and the remembered verdicts at their caps."""

from __future__ import annotations

import random

from knowledge.analyzer import INFO_CACHE_SIZE
from knowledge.base import MATCH_CACHE_SIZE, MEMO_MAX_CHARS, Context, KnowledgeBase

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
