"""Where the question is in what a resident wrote: the clauses that ask, the story around them, and whether a
message only makes sense after the one before it ("那…呢", "要多久", "谁出钱").

Everything here reads canonical text (knowledge.analyzer: simplified, synonyms replaced — 咋 → 怎么, 啥 → 什么,
多久 → 何时, 俺 → 我), split into clauses at the spaces that punctuation became.
"""

from __future__ import annotations

import re

# a clause that asks: question words, a final 吗/呢/不/没, or an A-不-A question (能不能, 算不算, 给不给)
_ASKING = re.compile(
    r"什么|怎么|多少|何时|哪|谁|几|为什么|凭什么|是否|是不是|有没有|会不会|要不要|可以|"
    r"([\u4e00-\u9fff])不\1|吗|呢|么$|不$|没$|不了$|^我?想(要|申请|找|知道)"
)
# a resident announcing the question: what follows is the question (俺就想问问 …)
_ASK_LEAD = re.compile(r"(想问问?|请问|问一下|问问|我问)")
# joints of a run-on sentence (voice dictation has no punctuation)
_JOINTS = re.compile(r"(?<=.{4})(?=但是|可是|不过|所以|现在|到底|就是想)")
LONG_CLAUSE = 16  # characters: a shorter message is one clause, however it is punctuated
BACKGROUND = 0.35  # weight factor of the story around the clauses that ask

# a message that leans on the one before it: starts with 那 / 要是 …, ends with 呢, or is a bare short question
_LEANS = re.compile(r"^(那|那么|那要是|那如果|要是|如果|假如|万一|还有|另外|然后|这个|这|那个)|呢$")
_CONDITIONAL = re.compile(r"^(那)?(要是|如果|假如|万一)")
SHORT_FOLLOW_UP = 7  # characters: a question this short names no subject of its own ("多少天内", "要交钱吗")


def clauses(canonical: str) -> list[str]:
    """The clauses of a canonical text: its chunks, with long run-on chunks cut at their joints."""
    out: list[str] = []
    for chunk in canonical.split(" "):
        if not chunk:
            continue
        lead = _ASK_LEAD.search(chunk)
        if lead is not None and lead.start() > 0:
            out.append(chunk[: lead.start()])
            chunk = chunk[lead.start() :]
        if len(chunk) > LONG_CLAUSE:
            out += [c for c in _JOINTS.split(chunk) if c]
        else:
            out.append(chunk)
    return out


def asking(clause: str) -> bool:
    """Whether a clause asks something (or announces the question)."""
    return _ASKING.search(clause) is not None or _ASK_LEAD.match(clause) is not None


def focus_of(canonical: str) -> tuple[list[tuple[str, float]], list[str]]:
    """The clauses with weight factors — 1 for those that ask, BACKGROUND for the story — or [] when the whole
    message is the question (one clause, every clause asks, or none does); and the clauses that ask, each long
    enough to be a question of its own."""
    parts = clauses(canonical)
    if len(parts) < 2:
        return [], []
    asks = [asking(c) for c in parts]
    questions = [c for c, a in zip(parts, asks, strict=True) if a and len(c) >= 4]
    lead = next((i for i, c in enumerate(parts) if _ASK_LEAD.match(c)), None)
    if lead is not None:  # 我想问 …: the question is what follows, the rest is the story
        asks = [i >= lead for i in range(len(parts))]
    if all(asks) or not any(asks):
        return [], questions
    return [(c, 1.0 if a else BACKGROUND) for c, a in zip(parts, asks, strict=True)], questions


def leans_on_context(canonical: str) -> bool:
    """A message that may be an elliptical follow-up, understood only with the question before it: it starts with
    那 / 要是 …, ends with 呢, or is short ("要多久", "在哪签"). Whether it names a subject of its own is decided
    against the context (knowledge.base)."""
    compacted = canonical.replace(" ", "")
    return bool(compacted) and (_LEANS.search(compacted) is not None or len(compacted) <= SHORT_FOLLOW_UP)


def leans_by_form(canonical: str) -> bool:
    """A message shaped as a follow-up (那…, 要是…, …呢), not only short."""
    return _LEANS.search(canonical.replace(" ", "")) is not None


def conditional(canonical: str) -> bool:
    """要是 / 如果 …: a condition on the topic before, not a new subject."""
    return _CONDITIONAL.search(canonical.replace(" ", "")) is not None
