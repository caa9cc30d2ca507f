"""The loaded knowledge base: parameters, entries, intents and the index, built once per process."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jieba

from knowledge.analyzer import Analyzer
from knowledge.entries import Entry, load_entries, load_intents
from knowledge.focus import conditional, focus_of, leans_by_form, leans_on_context
from knowledge.index import Candidate, KnowledgeIndex, MatchResult, combine
from knowledge.numerals import digits_for_numerals
from knowledge.own_questions import OwnQuestions, load_own_questions
from knowledge.params import KnowledgeError, load_params
from knowledge.rules import IntentRules, load_rules
from knowledge.statute_book import StatuteBook, load_statutes

MATCH_CACHE_SIZE = 4096
PREVIOUS_CACHE_SIZE = 1024
MEMO_MAX_CHARS = 200  # longer messages (stories) are rarely sent twice: matched afresh, never remembered
MAX_QUESTIONS = 3  # a message asking more than this many things is a story: no second answer is offered
# follow-ups: the question before weighs this much beside the follow-up's own words, and the topics of the context
# get this much on their score
PREVIOUS_FACTOR = 0.5
CONTEXT_BONUS = 0.06
RELATED_BONUS = 0.03
# an elliptical follow-up leaves its context only for a topic it names more surely than the context by this much
SUBJECT_MARGIN = 0.1
# a question that names nothing of the programme (only generic words: 电话, 到账, 在哪, 办理) must score this high to
# be answered: 广场舞在哪跳 shares 在哪 with the contacts, 养老金咋还没到账 shares 到账 with the payment time
GENERIC_THRESHOLD = 0.6
# a question is clearly about its topic when it leads the next topic by this much
CLEAR_LEAD = 0.1


@dataclass(frozen=True)
class Context:
    """What the conversation was about: the question last answered (or that started a flow), the topics that
    continue it (the last topic first, then its related topics; or a flow's topics), and its name."""

    question: str = ""
    topics: tuple[str, ...] = ()
    name: str = ""
    # a flow's context: a follow-up is about one of its topics or about a subject of its own, never about a third
    # topic the flow's words happen to share ("要多久" after 登记诉求 is the case's deadline, not the project's)
    only_topics: bool = False


ContextKey = tuple[str, tuple[str, ...], str, bool]  # a Context's fields, in order
PlainResult = tuple[str | None, float, tuple[tuple[str, float], ...], str | None, str | None, bool]


def _context_key(context: Context) -> ContextKey:
    return (context.question, context.topics, context.name, context.only_topics)


def _plain(result: MatchResult) -> PlainResult:
    """A verdict as a tuple of its fields (the candidates as (label, score) pairs); `_result` makes it again."""
    candidates = tuple((c.label, c.score) for c in result.candidates)
    return (result.label, result.score, candidates, result.continues, result.also, result.in_domain)


def _result(plain: PlainResult) -> MatchResult:
    label, score, candidates, continues, also, in_domain = plain
    return MatchResult(label, score, tuple([Candidate(c, s) for c, s in candidates]), continues, also, in_domain)


@dataclass(frozen=True)
class KnowledgeBase:
    params: dict[str, Any]
    entries: dict[str, Entry]  # topics and intents by id / label
    index: KnowledgeIndex
    rules: IntentRules
    threshold: float
    margin: float
    statutes: StatuteBook = field(default_factory=StatuteBook)  # the texts of the articles answers cite
    own_questions: OwnQuestions = field(default_factory=OwnQuestions)  # about one's own household (issue 14)

    def match(self, question: str, context: Context | None = None) -> MatchResult:
        """An intent rule if one fires, else the index's verdict on the question — in its context, when the
        conversation has one. Residents ask the same questions again and again: verdicts are remembered (the
        knowledge base never changes while loaded), a bounded number of short ones."""
        if len(question) > MEMO_MAX_CHARS or (context is not None and len(context.question) > MEMO_MAX_CHARS):
            return self._match(question, context)
        if context is not None and not leans_on_context(self._canonical(question)):
            # a self-contained question gets the same verdict in every context (see _match): one remembered verdict
            # serves every conversation, instead of one per (question, question before)
            context = None
        return _result(self._remembered(question, None if context is None else _context_key(context)))

    def own_question(self, question: str) -> str | None:
        """What part of the resident's own household file the question asks for ("value", "transition" …), or None
        when it asks no such thing (knowledge/household_questions.yaml)."""
        if not self.own_questions.patterns:
            return None
        canonical = self._canonical(question) if len(question) <= MEMO_MAX_CHARS else self.index.canonical(question)
        return self.own_questions.aspect(canonical)

    @cached_property  # one bounded memo per knowledge base (cached_property writes the instance's __dict__)
    def _remembered(self) -> Callable[[str, ContextKey | None], PlainResult]:
        """Verdicts kept as plain tuples (`_plain`) of text and numbers, which the garbage collector stops tracking:
        as MatchResult and Candidate objects a full memo is ~20,000 objects that every full collection in a server
        walks again (5–10 ms, while nothing else runs)."""
        return lru_cache(maxsize=MATCH_CACHE_SIZE)(self._plain_match)

    def _plain_match(self, question: str, context: ContextKey | None) -> PlainResult:
        return _plain(self._match(question, None if context is None else Context(*context)))

    @cached_property  # a short question's canonical form, bounded: `match` reads it to decide which verdict to
    def _canonical(self) -> Callable[[str], str]:  # remember, and the question before a follow-up was analysed too
        return lru_cache(maxsize=PREVIOUS_CACHE_SIZE)(self.index.canonical)

    @cached_property  # … and so were its terms' weights and its subject words, which every follow-up reads again
    def _previous(self) -> Callable[[str], tuple[str, dict[str, float], frozenset[str]]]:
        return lru_cache(maxsize=PREVIOUS_CACHE_SIZE)(self._analysed)

    def _analysed(self, question: str) -> tuple[str, dict[str, float], frozenset[str]]:
        """A question's canonical form, its terms' weights and its subject words (see `_follow_up`)."""
        canonical = self._canonical(question) if len(question) <= MEMO_MAX_CHARS else self.index.canonical(question)
        return canonical, self.index.weights_of(canonical), frozenset(self.index.subject_words(canonical))

    def _match(self, question: str, context: Context | None = None) -> MatchResult:
        canonical = self._canonical(question) if len(question) <= MEMO_MAX_CHARS else self.index.canonical(question)
        label = self.rules.match(digits_for_numerals(canonical))
        if label is not None and label in self.entries:
            return MatchResult(label, 1.0, (Candidate(label, 1.0),), in_domain=True)
        in_domain = self.index.names_the_programme(canonical)
        # only generic words in common with the programme, and words of another field: held to a higher threshold
        generic = not in_domain and self.index.only_generic(canonical)
        standalone = self._alone(canonical, in_domain, generic)
        if context is None or not context.question or not context.topics or generic:
            return standalone  # no context, or a question of another field (广场舞在哪跳) that no context makes ours
        if not leans_on_context(canonical):
            return standalone  # a self-contained question: the context does not matter
        if not leans_by_form(canonical) and self.index.names_another_field(canonical):
            return standalone  # short, but about a subject of another field (今天天气咋样 after 过渡费)
        long = len(context.question) > MEMO_MAX_CHARS
        previous = self._analysed(context.question) if long else self._previous(context.question)
        followed = self._follow_up(canonical, context, previous[1])
        if followed.label is None or self._names_its_subject(canonical, standalone, followed, previous):
            # "那搬迁费呢", "那他们多久能强制执行": the follow-up names its own subject, more surely than the context
            if standalone.label is None:
                return replace(followed, in_domain=True)  # not placed, but its context was the programme's
            continues = context.name if standalone.label in context.topics else None
            return replace(standalone, continues=continues)
        return followed if followed.label in context.topics else replace(followed, continues=None)

    def _alone(self, canonical: str, in_domain: bool, generic: bool) -> MatchResult:
        """The verdict on a question by itself. In a story, the clauses that ask weigh fully and the rest less; the
        story's answer must not win only because a detail of it ("俺不识字") names another topic. A message that asks
        two or three things is answered for the main one, the other offered beside it. Every weighting of the
        message is ranked in one pass."""
        index = self.index
        parts, asks = focus_of(canonical)
        asks = asks if 2 <= len(asks) <= MAX_QUESTIONS else []
        if parts:  # rows: the whole, the question in focus, the story alone, each question
            ranked = index.rank_table(*index.story_table(parts, asks))
        else:
            ranked = index.rank_many([index.weights_of(canonical), *(index.weights_of(c) for c in asks)])
        result = self._verdict(ranked[0], in_domain, generic)
        if parts:
            focused, story = self._verdict(ranked[1], in_domain, generic), ranked[2]
            hijacked = result.label is not None and any(
                c.label == result.label and c.score >= result.score for c in story
            )
            if focused.score > result.score or (focused.label not in (None, result.label) and hijacked):
                result = focused
        if result.label is None:
            return result
        if not parts and asks:
            each = [self._verdict(r, in_domain, generic) for r in ranked[1:]]
            if all(
                v.label not in (None, result.label)
                and self.topic(v.label) is not None
                and v.score > result.score
                and _lead(v) >= CLEAR_LEAD
                for v in each
            ):
                # every question alone is clearly about its own topic, and more surely than the message is about
                # its winner, which is none of theirs: an overview that wins on breadth ("搬家费咋算？过渡费给多久？"
                # → comp.scope). The first asked is the answer, the next offered
                leading = each[0]
                offered = next((v.label for v in each[1:] if v.label != leading.label), None)
                return replace(leading, also=offered)
        for clause_ranking in ranked[3 if parts else 1 :]:
            other = self._verdict(clause_ranking, in_domain, generic)
            if other.label is not None and other.label != result.label and self.topic(other.label) is not None:
                return replace(result, also=other.label)
        return result

    def _names_its_subject(
        self,
        canonical: str,
        alone: MatchResult,
        followed: MatchResult,
        previous: tuple[str, dict[str, float], frozenset[str]],
    ) -> bool:
        """Whether an elliptical follow-up is about a subject of its own: sure enough by itself, not a condition
        (要是…), and either naming a word of the curated dictionary the question before did not (那搬迁费呢 after 过渡费)
        and scoring about as well as the context's topic, or scoring clearly better alone."""
        if alone.label is None or alone.label == followed.label or conditional(canonical):
            return False
        own_words = self.index.subject_words(canonical)
        if not own_words:
            return False  # "要多久", "谁出钱", "要啥材料": nothing of its own to be about
        if own_words - previous[2]:
            # a word the question before did not have: its own topic, on equal footing with the context's (which got
            # CONTEXT_BONUS), wins unless the context's is clearly ahead, alone or with the follow-up read in context
            # ("那搬迁费呢" after 过渡费; "那我现在还能翻修房子吗" after 征收范围: the scope freeze)
            in_context = next((c.score for c in followed.candidates if c.label == alone.label), 0.0)
            return max(alone.score, in_context) + CONTEXT_BONUS >= followed.score
        return alone.score >= followed.score + SUBJECT_MARGIN

    def _follow_up(self, canonical: str, context: Context, previous: dict[str, float]) -> MatchResult:
        """An elliptical question read with the one before it (its terms' weights at PREVIOUS_FACTOR), the context's
        topics favoured: the verdict says which topic it continues."""
        parts = [(self.index.weights_of(canonical), 1.0)]
        if not context.only_topics:  # a flow's "question" is its name: the follow-up's own words must find the topic
            parts.append((previous, PREVIOUS_FACTOR))
        weights = combine(parts)
        ranked = self.index.rank_weights(weights, limit=12) if weights else []
        bonus = dict.fromkeys(context.topics[1:], RELATED_BONUS)
        bonus[context.topics[0]] = CONTEXT_BONUS
        # topics only: an intent (登记诉求, 估算补偿) is started by what the resident asks now, never by its context
        boosted = sorted(
            (
                Candidate(c.label, round(min(1.0, c.score + bonus.get(c.label, 0.0)), 4))
                for c in ranked
                if not c.label.startswith("intent:") and (not context.only_topics or c.label in bonus)
            ),
            key=lambda c: (-c.score, c.label),
        )
        result = self._verdict(boosted[:5], True, False)
        return result if result.label is None else replace(result, continues=context.name)

    def _verdict(self, ranked: list[Candidate], in_domain: bool, generic: bool) -> MatchResult:
        if generic and (not ranked or ranked[0].score < GENERIC_THRESHOLD):
            return MatchResult(None, ranked[0].score if ranked else 0.0, ())  # another field's: no topic is close
        return self.index.verdict(ranked, self.threshold, self.margin, in_domain)

    def topic(self, topic_id: str) -> Entry | None:
        entry = self.entries.get(topic_id)
        return entry if entry is not None and not entry.is_intent else None

    @property
    def topics(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.is_intent]


def _lead(result: MatchResult) -> float:
    """How far a verdict's topic leads the next candidate."""
    runner_up = result.candidates[1].score if len(result.candidates) > 1 else 0.0
    return result.score - runner_up


def load_knowledge(knowledge_dir: Path, cache_dir: Path, threshold: float, margin: float) -> KnowledgeBase:
    """Read params, entries and intents from `knowledge_dir`; raises KnowledgeError on inconsistent content.

    The built index is kept in `cache_dir` under a digest of the content and the matching code, so that a warm
    start unpickles it instead of rendering and analysing every entry again."""
    snapshot = cache_dir / f"knowledge-{_content_digest(knowledge_dir)}.pickle"
    try:
        params, items, index = pickle.loads(snapshot.read_bytes())  # noqa: S301 - our own file, keyed by digest
        analyzer = Analyzer(knowledge_dir, cache_dir, _vocabulary(items))
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        params = load_params(knowledge_dir)
        items = [*load_entries(knowledge_dir, params), *load_intents(knowledge_dir)]
        analyzer = Analyzer(knowledge_dir, cache_dir, _vocabulary(items))
        index = KnowledgeIndex(items, analyzer)
        _write_atomically(snapshot, pickle.dumps((params, items, index), protocol=pickle.HIGHEST_PROTOCOL))
    index.attach(analyzer)
    entries: dict[str, Entry] = {}
    for entry in items:
        if entry.id in entries:
            raise KnowledgeError(f"duplicate id {entry.id}: {entries[entry.id].path} and {entry.path}")
        entries[entry.id] = entry
    return KnowledgeBase(
        params,
        entries,
        index,
        load_rules(knowledge_dir),
        threshold,
        margin,
        statutes=load_statutes(knowledge_dir),
        own_questions=load_own_questions(knowledge_dir),
    )


def _vocabulary(items: list[Entry]) -> list[str]:
    return [k for e in items for k in e.keywords]


def _content_digest(knowledge_dir: Path) -> str:
    """Changes whenever the built index could: the curated files, the matching code, jieba's version."""
    digest = hashlib.sha256(jieba.__version__.encode())
    code = Path(__file__).resolve().parent
    for path in sorted([*knowledge_dir.rglob("*"), *code.glob("*.py")]):
        if path.is_file() and path.suffix in {".md", ".yaml", ".txt", ".py"}:
            digest.update(str(path.relative_to(path.parent.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(path)
