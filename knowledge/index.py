"""The retrieval index: ranks entries for a question and decides whether the best one is good enough.

Each entry is scored by how closely its closest example question (or title) resembles the question
(IDF-weighted Dice), blended with how much of the question's weight the entry covers anywhere (title,
questions, keywords, and — at half weight — its answer). Terms are weighted by BM25's IDF over entries,
CJK bigrams at half weight; a term no entry knows keeps the highest weight, so off-topic questions score low.
A question can be ranked under several weightings of its terms at once (the whole message, the clauses that ask,
the story around them, the question before a follow-up: see knowledge.base), each a row of one table.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.analyzer import BIGRAM_PREFIX, Analyzer
from knowledge.entries import Entry
from knowledge.text import is_cjk

SIMILARITY_WEIGHT = 0.55
COVERAGE_WEIGHT = 0.45
BODY_FACTOR = 0.5
BIGRAM_FACTOR = 0.5
CONTAINMENT_MIX = 0.3  # similarity: part containment of the example in the question, rest Dice
DICE_SHARE = 2 * (1 - CONTAINMENT_MIX)
# an example lighter than this quantile of all examples gets no more containment credit than one at it:
# a short example of common words ("征收公告") must not win every question that happens to contain it
MIN_WEIGHT_QUANTILE = 0.25
# terms lighter than this (the median term weighs ~20) are left out of the example overlap: it saves time, not accuracy
NEGLIGIBLE_WEIGHT = 0.75
# single characters that, alone, speak of the programme: a question with one of them is never another field's
PROGRAMME_CHARACTERS = frozenset("拆搬迁征赔补逼")


@dataclass(frozen=True)
class Candidate:
    label: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The ranked candidates and the verdict: `label` is set only when the best one is confident.

    `continues`: the topic (or "flow:<name>") whose context decided the answer of an elliptical follow-up;
    `also`: the topic of a second question asked in the same message; `in_domain`: the question speaks of the
    programme (征收, 补偿, 安置房 …) even when it cannot be placed."""

    label: str | None
    score: float
    candidates: tuple[Candidate, ...]
    continues: str | None = None
    also: str | None = None
    in_domain: bool = False


class KnowledgeIndex:
    def __init__(self, entries: Sequence[Entry], analyzer: Analyzer) -> None:
        """Analyse every entry (a warm start unpickles the result instead: see knowledge.base)."""
        self.entries = list(entries)
        self._analyzer = analyzer
        analyse = analyzer.terms
        strong: list[set[str]] = []
        body: list[set[str]] = []
        examples: list[tuple[int, set[str]]] = []  # (entry index, terms) for every title and example question
        for i, entry in enumerate(self.entries):
            docs = [set(analyse(text)) for text in (entry.title, *entry.questions)]
            examples.extend((i, d) for d in docs)
            strong.append(set().union(*docs, *(analyse(k) for k in entry.keywords)))
            # answers add words only: their bigrams ("第三" of "第三十条") are noise
            answer_words = {t for t in analyse(entry.answer) if not t.startswith(BIGRAM_PREFIX)}
            body.append(answer_words - strong[-1])
        n = len(self.entries)
        df: dict[str, int] = defaultdict(int)
        for s in strong:  # how many entries name a term decides its weight; answers only add vocabulary
            for term in s:
                df[term] += 1
        for b in body:
            for term in b:
                df.setdefault(term, 1)
        self._unknown_idf = _idf(n, 0)
        self._idf = {t: _idf(n, c) for t, c in df.items()}
        # term → [(entry, share of the term's weight the entry covers)], so that coverage costs one pass over the terms
        coverage: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, (s, b) in enumerate(zip(strong, body)):
            for term in s:
                coverage[term].append((i, 1.0))
            for term in b:
                coverage[term].append((i, BODY_FACTOR))
        self._known_weight = {t: self._weight(t) for t in self._idf}
        example_weight = [sum(self._weight(t) for t in d) for _, d in examples]
        ordered = sorted(example_weight)
        floor = ordered[int(len(ordered) * MIN_WEIGHT_QUANTILE)] if ordered else 1.0
        postings: dict[str, list[int]] = defaultdict(list)
        for doc, (_, terms) in enumerate(examples):
            for term in terms:
                postings[term].append(doc)
        # scoring runs over arrays, terms by number: each known term's postings are one run of a flat array, and its
        # coverage of every entry one row of a matrix (a long story of ~170 terms touches ~2,000 postings: gathered
        # in one step, not term by term)
        vocabulary = list(self._idf)
        self._term_id = {t: i for i, t in enumerate(vocabulary)}
        runs = [postings.get(t, ()) for t in vocabulary]
        self._post_start = np.concatenate([[0], np.cumsum([len(r) for r in runs])]).astype(np.intp)
        self._post_docs = np.array([d for r in runs for d in r], dtype=np.intp)
        cover = np.zeros((len(vocabulary), n))
        for term, shares in coverage.items():
            for entry_index, share in shares:
                cover[self._term_id[term], entry_index] = share
        self._cover = cover
        self._example_entry = np.array([i for i, _ in examples], dtype=np.intp)
        # examples are listed entry by entry (each has at least its title): where each entry's run starts
        self._entry_starts = np.searchsorted(self._example_entry, np.arange(n)).astype(np.intp)
        self._entry_ids = [e.id for e in self.entries]
        self._label_rank = np.argsort(np.argsort(np.array(self._entry_ids, dtype=object))).astype(np.intp)
        self._example_weight = np.array(example_weight)
        self._containment_share = CONTAINMENT_MIX / np.maximum(self._example_weight, floor)

    def __getstate__(self) -> dict:
        """Everything but the analyzer (jieba's tokenizer), which is rebuilt and attached after loading."""
        return {k: v for k, v in self.__dict__.items() if k != "_analyzer"}

    def attach(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer

    def _weight(self, term: str) -> float:
        idf = self._idf.get(term, self._unknown_idf)
        if term.startswith(BIGRAM_PREFIX):
            return idf * BIGRAM_FACTOR * self._analyzer.informativeness(term[1:])
        return idf * self._analyzer.informativeness(term)

    def _unknown_weight(self, term: str) -> float:
        """`_weight` of a term no entry knows (a question's own words: a third of a long story's terms)."""
        if term[0] == BIGRAM_PREFIX:
            return self._unknown_idf * BIGRAM_FACTOR * self._analyzer.informativeness(term[1:])
        return self._unknown_idf * self._analyzer.informativeness(term)

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        """Entries by descending score (0 … 1)."""
        return self.rank_canonical(self._analyzer.canonical(question), limit)

    def rank_canonical(self, canonical: str, limit: int = 5) -> list[Candidate]:
        """`rank` for a question already passed through `canonical`."""
        return self.rank_parts(((canonical, 1.0),), limit)

    def rank_parts(self, parts: Sequence[tuple[str, float]], limit: int = 5) -> list[Candidate]:
        """`rank` for a question made of canonical parts, each with a factor on its terms' weights: the clause that
        asks (1.0) and the story around it, or the question before an elliptical follow-up (less). A term in several
        parts counts once, at its largest factor."""
        weights = combine([(self.weights_of(canonical), factor) for canonical, factor in parts])
        return self.rank_weights(weights, limit) if weights else []

    def weights_of(self, canonical: str) -> dict[str, float]:
        """Each term of canonical text with its weight (IDF × informativeness)."""
        known = self._known_weight
        weight_of = self._unknown_weight
        return {t: known[t] if t in known else weight_of(t) for t in self._analyzer.terms_of_canonical(canonical)}

    def story_table(
        self, parts: Sequence[tuple[str, float]], extra: Sequence[str] = ()
    ) -> tuple[list[str], np.ndarray]:
        """For a message cut into parts with factors: its terms and the rows of their weights for the whole, the
        question in focus (each part at its factor), the story alone (the parts below 1), then each of `extra` (parts
        that ask), in one walk over the terms — the table `rank_table` ranks."""
        known, weight_of = self._known_weight, self._unknown_weight
        column: dict[str, int] = {}
        whole: list[float] = []
        focused: list[float] = []
        story: list[float] = []
        for clause, factor in parts:
            for t in self._analyzer.terms_of_canonical(clause):
                i = column.get(t)
                if i is None:
                    i = column[t] = len(whole)
                    w = known.get(t)
                    whole.append(weight_of(t) if w is None else w)
                    focused.append(0.0)
                    story.append(0.0)
                w = whole[i]
                if w * factor > focused[i]:
                    focused[i] = w * factor
                if factor < 1.0:
                    story[i] = w
        rows = [whole, focused, story]
        for clause in extra:  # one of the parts (both come from the same clauses): its terms have their columns
            row = [0.0] * len(whole)
            for t in self._analyzer.terms_of_canonical(clause):
                i = column.get(t)
                if i is not None:
                    row[i] = whole[i]
            rows.append(row)
        return list(column), np.array(rows)

    def rank_weights(self, weights: dict[str, float], limit: int = 5) -> list[Candidate]:
        """Entries ranked for weighted question terms."""
        return self.rank_many([weights], limit)[0]

    def rank_many(self, weightings: Sequence[dict[str, float]], limit: int = 5) -> list[list[Candidate]]:
        """`rank_weights` for several weightings of (mostly) the same terms — a message whole, its asking clauses, its
        story — in one pass."""
        terms = list({t: None for weights in weightings for t in weights})
        if not terms:
            return [[] for _ in weightings]
        table = np.array([[weights.get(t, 0.0) for t in terms] for weights in weightings])  # weightings × terms
        return self.rank_table(terms, table, limit)

    def rank_table(self, terms: list[str], table: np.ndarray, limit: int = 5) -> list[list[Candidate]]:
        """`rank_many` for weights given as a table: one row per weighting, one column per term. Terms no entry
        knows count in each row's total weight only."""
        totals = table.sum(axis=1)
        term_id = self._term_id
        columns = [(c, i) for c, i in enumerate(map(term_id.get, terms)) if i is not None]
        k = len(table)
        if not columns:
            return [[] for _ in range(k)]
        ids = np.array([i for _, i in columns], dtype=np.intp)
        known = table[:, [c for c, _ in columns]]
        n_examples = len(self._example_weight)
        # overlap of each example with the question: the weights of the terms they share; each term's postings are
        # one run of the flat array, gathered at once (the runs' starts, repeated over their lengths, plus a count)
        starts = self._post_start[ids]
        lengths = self._post_start[ids + 1] - starts
        offsets = np.cumsum(lengths) - lengths
        docs = self._post_docs[np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))]
        per_doc = np.repeat(np.where(known >= NEGLIGIBLE_WEIGHT, known, 0.0), lengths, axis=1)
        # every weighting at once: row r's examples are offset by r × their count
        rows_docs = (docs[None, :] + (np.arange(k) * n_examples)[:, None]).ravel()
        overlap = np.bincount(rows_docs, per_doc.ravel(), minlength=k * n_examples).reshape(k, n_examples)
        # similarity: CONTAINMENT_MIX × overlap / containment base + the rest × Dice (2 × overlap / both weights)
        similarity = overlap * (self._containment_share + DICE_SHARE / (totals[:, None] + self._example_weight))
        # an entry's examples are consecutive: its best similarity is the maximum over its run; an entry none of
        # whose examples shares a term has 0 (a shared term makes it positive) and stays out
        best_similarity = np.maximum.reduceat(similarity, self._entry_starts, axis=1)
        # coverage: the share of the question's weight each entry names anywhere
        covered = known @ self._cover[ids]
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.round(SIMILARITY_WEIGHT * best_similarity + COVERAGE_WEIGHT * covered / totals[:, None], 4)
        valid = (best_similarity > 0) & (totals[:, None] > 0)
        # by descending score, then by id (the label order); entries left out sort last
        order = np.lexsort((np.broadcast_to(self._label_rank, valid.shape), np.where(valid, -scores, np.inf)), axis=1)
        counts = np.minimum(valid.sum(axis=1), limit).tolist()
        ids_of = self._entry_ids
        ranked: list[list[Candidate]] = []
        for row in range(k):
            top = order[row, : counts[row]]
            ranked.append([Candidate(ids_of[e], sc) for e, sc in zip(top.tolist(), scores[row, top].tolist())])
        return ranked

    def names_the_programme(self, canonical: str) -> bool:
        return self._analyzer.names_the_programme(canonical)

    def subject_words(self, canonical: str) -> set[str]:
        return self._analyzer.subject_words(canonical)

    def names_another_field(self, canonical: str) -> bool:
        """Whether the question has a word of two characters or more that no entry knows and that is not generic
        (天气, 广场舞, 养老金): a subject of its own, outside the programme."""
        generic, known = self._analyzer.generic, self._idf
        return any(
            len(w) >= 2 and w not in known and w not in generic and all(is_cjk(c) for c in w)
            for w in self._analyzer.words(canonical)
        )

    def only_generic(self, canonical: str) -> bool:
        """Whether the question's words are either generic (电话, 到账, 在哪) or unknown to every entry, with at least
        one unknown word of two characters or more (广场舞, 养老金, 工资): a question of another field."""
        generic = self._analyzer.generic
        foreign = False
        for w in self._analyzer.words(canonical):
            if w in PROGRAMME_CHARACTERS:
                return False  # 拆, 搬, 逼 …: "车都开不进来 这是逼俺们搬" is about the programme
            if w in generic or len(w) < 2:  # any other single character (没, 哪, 去) says nothing either way
                continue
            if w in self._idf:
                return False
            foreign = foreign or all(is_cjk(c) for c in w)
        return foreign

    def canonical(self, question: str) -> str:
        return self._analyzer.canonical(question)

    def match(self, question: str, threshold: float, margin: float) -> MatchResult:
        """The best entry if it clears `threshold` and leads the runner-up by `margin`; else no label."""
        return self.match_canonical(self._analyzer.canonical(question), threshold, margin)

    def match_canonical(self, canonical: str, threshold: float, margin: float) -> MatchResult:
        return self.verdict(self.rank_canonical(canonical), threshold, margin)

    @staticmethod
    def verdict(ranked: Sequence[Candidate], threshold: float, margin: float, in_domain: bool = False) -> MatchResult:
        """The best of ranked candidates if it clears `threshold` and leads the runner-up by `margin`."""
        candidates = tuple(ranked)
        if not candidates:
            return MatchResult(None, 0.0, (), in_domain=in_domain)
        best = candidates[0]
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        confident = best.score >= threshold and best.score - runner_up >= margin
        return MatchResult(best.label if confident else None, best.score, candidates, in_domain=in_domain)


def combine(parts: Sequence[tuple[dict[str, float], float]]) -> dict[str, float]:
    """Term weights of several parts, each scaled by its factor; a term in several parts keeps its largest weight."""
    if len(parts) == 1 and parts[0][1] == 1.0:
        return parts[0][0]
    out: dict[str, float] = {}
    for weights, factor in parts:
        for term, weight in weights.items():
            weight *= factor
            if weight > out.get(term, 0.0):
                out[term] = weight
    return out


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
