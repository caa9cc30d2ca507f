"""`kb eval`: Hit@1, Hit@3, MRR over in-scope questions; abstention precision and recall over all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from knowledge.base import KnowledgeBase
from knowledge.index import MatchResult


@dataclass(frozen=True)
class LabelledQuestion:
    q: str
    expect: tuple[str | None, ...]  # acceptable labels; (None,) = out of scope, the bot must abstain
    turns: tuple[str, ...] = ()  # a conversation: the label is that of its last turn, `q` only names it


@dataclass(frozen=True)
class EvalReport:
    total: int
    in_scope: int
    hit1: float
    hit3: float
    mrr: float
    abstain_precision: float
    abstain_recall: float
    misses: tuple[str, ...]

    def lines(self) -> list[str]:
        return [
            f"questions        {self.total} ({self.in_scope} in scope, {self.total - self.in_scope} out of scope)",
            f"Hit@1            {self.hit1:.3f}",
            f"Hit@3            {self.hit3:.3f}",
            f"MRR              {self.mrr:.3f}",
            f"abstain precision {self.abstain_precision:.3f}",
            f"abstain recall    {self.abstain_recall:.3f}",
        ]


def evaluate(
    kb: KnowledgeBase, questions: list[LabelledQuestion], match: Callable[[LabelledQuestion], MatchResult] | None = None
) -> EvalReport:
    """Hit@1 counts the answered label (an abstention is a miss); Hit@3 and MRR use the ranking. `match` labels an
    item (the CLI replays conversations through the dialogue); by default the knowledge base matches `q` alone."""
    match = match or (lambda item: kb.match(item.q))
    hit1 = hit3 = 0
    rr = 0.0
    abstained_right = abstained = should_abstain = 0
    misses: list[str] = []
    in_scope = 0
    for item in questions:
        result = match(item)
        out_of_scope = item.expect == (None,)
        if result.label is None:
            abstained += 1
        if out_of_scope:
            should_abstain += 1
            if result.label is None:
                abstained_right += 1
            else:
                misses.append(f"{item.q}\texpected abstain\tgot {result.label} ({result.score:.2f})")
            continue
        in_scope += 1
        ranked = [c.label for c in result.candidates]
        if result.label in item.expect:
            hit1 += 1
        else:
            misses.append(
                f"{item.q}\texpected {'|'.join(map(str, item.expect))}\tgot {result.label} "
                f"({result.score:.2f}; ranked {', '.join(ranked[:3])})"
            )
        if any(label in item.expect for label in ranked[:3]):
            hit3 += 1
        rank = next((i for i, label in enumerate(ranked, 1) if label in item.expect), None)
        rr += 1 / rank if rank else 0.0
    n = max(in_scope, 1)
    return EvalReport(
        total=len(questions),
        in_scope=in_scope,
        hit1=hit1 / n,
        hit3=hit3 / n,
        mrr=rr / n,
        abstain_precision=abstained_right / abstained if abstained else 1.0,
        abstain_recall=abstained_right / should_abstain if should_abstain else 1.0,
        misses=tuple(misses),
    )
