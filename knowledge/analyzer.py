"""From a question to weighted index terms: normalise, fix homophone typos, map synonyms, segment with jieba."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from pathlib import Path

import jieba
import yaml

from knowledge.dictionary import general_dictionary
from knowledge.readings import load_readings
from knowledge.segmenter import Segmenter
from knowledge.text import is_cjk, normalise

USER_DICT = "userdict.txt"
GENERIC_WORDS = "generic_words.txt"
SYNONYMS_FILE = "synonyms.yaml"
BIGRAM_PREFIX = "~"
STOPWORDS = frozenset(
    "的 了 吗 呢 啊 呀 吧 嘛 么 哦 哈 呗 啦 喔 嗯 是 在 和 与 及 就 都 也 还 又 这 那 这个 那个 这些 那些 一下 请问 请 "
    "你 你们 您 他 她 它 他们 个 一个 给 让 把 被 对 从 到 向 之 其 而 或 着 过 得 地 上 下 里".split()
)
_MAX_CORRECTION = 4
INFO_BASELINE = 4.0  # log-frequency below which a word is treated as filler
INFO_FLOOR = 0.5
INFO_CACHE_SIZE = 20_000  # dictionary words whose informativeness is remembered; beyond it, computed each time

_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
_ALL_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")  # the characters knowledge.text.is_cjk accepts


class Analyzer:
    """Turns text into terms; knows the domain vocabulary so that 过度费 and 補償 find 过渡费 and 补偿."""

    def __init__(self, knowledge_dir: Path, cache_dir: Path, vocabulary: Iterable[str] = ()) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        jieba.setLogLevel(logging.WARNING)  # jieba sets its logger to DEBUG when imported; its start-up lines are noise
        self._jieba = jieba.Tokenizer(str(general_dictionary(cache_dir)))
        self._jieba.tmp_dir = str(cache_dir)  # the prefix dictionary is cached here after the first start
        self._jieba.initialize()
        self._readings = load_readings(cache_dir)
        # general-language frequencies, taken before the domain words are added with their high frequency
        self._general_freq = dict(self._jieba.FREQ)
        self._general_total = self._jieba.total
        # informativeness of general-dictionary words, filled as they are met, at most INFO_CACHE_SIZE of them:
        # residents' unseen words (junk, numbers) are never keys — issue 9: memory grew on every one
        self._informativeness: dict[str, float] = {}
        self._unknown_informativeness = max(INFO_FLOOR, math.log(self._general_total) - INFO_BASELINE)
        self._synonyms = _load_synonyms(knowledge_dir / SYNONYMS_FILE)
        self._synonym_pattern = _alternation(self._synonyms)
        domain_words = _load_user_words(knowledge_dir / USER_DICT)
        for word in {*domain_words, *self._synonyms.values(), *vocabulary}:
            word = normalise(word).replace(" ", "")
            if len(word) >= 2:
                self._jieba.add_word(word, freq=2000)
        self._domain = {normalise(w).replace(" ", "") for w in (*domain_words, *vocabulary, *self._synonyms)}
        self._domain |= set(self._synonyms.values())
        # words of the programme that also belong to everyday life (电话, 到账, 在哪, 办理): they do not make a question
        # one about the programme
        generic = _load_user_words(knowledge_dir / GENERIC_WORDS) if (knowledge_dir / GENERIC_WORDS).exists() else []
        self.generic = frozenset(normalise(w).replace(" ", "") for w in generic)
        self._anchors = frozenset(self._domain - self.generic - STOPWORDS)
        # the curated dictionary alone (no entry keywords such as 材料, 一平): words that name a subject of their own
        curated = {normalise(w).replace(" ", "") for w in (*domain_words, *self._synonyms, *self._synonyms.values())}
        self._subjects = frozenset(curated - self.generic - STOPWORDS)
        # sound-alike corrections lead only to curated domain words (user dictionary, synonym table), never to
        # free keywords: every target is a chance to turn an innocent phrase into a domain word
        targets = {normalise(w).replace(" ", "") for w in (*domain_words, *self._synonyms, *self._synonyms.values())}
        self._by_reading: dict[tuple[str, ...], str] = {}
        for word in sorted(targets):
            if 2 <= len(word) <= _MAX_CORRECTION and all(is_cjk(c) for c in word):
                self._by_reading.setdefault(self._readings.word(word), word)
        # a run of segments can become a domain word only while its reading begins one: the characters that can start
        # a correction, and the readings that can still grow into one, are known at load (most segments: one look-up)
        first_readings = {reading[0] for reading in self._by_reading}
        self._correction_starts = self._readings.characters_read_as(first_readings)
        self._reading_prefixes = {reading[:j] for reading in self._by_reading for j in range(1, len(reading))}
        self._segmenter = Segmenter(self._jieba)  # after the last add_word: it reads the dictionary's total
        # the chunks of the question last passed through `canonical`, segmented, and their terms: its terms are taken
        # next, and most chunks come out of correction unchanged (a long story: ~20 chunks, 0–2 changed), so each
        # question is segmented once, not twice, and its clauses ranked alone and together reuse them. Only the last
        # question's (bounded by one message): a memo across questions would answer repeated sentences from memory,
        # which the latency benchmark (long stories built from a pool of sentences) must not mistake for speed.
        self._last_segments: dict[str, tuple[str, ...]] = {}
        self._last_terms: dict[str, list[str]] = {}

    def _segments(self, chunk: str) -> tuple[str, ...]:
        """jieba's dictionary segmentation of a chunk (knowledge.segmenter), remembered while the same question is
        being matched (its clauses are ranked alone and together)."""
        segments = self._last_segments.get(chunk)
        if segments is None:
            segments = self._last_segments[chunk] = tuple(self._segmenter.cut(chunk))
        return segments

    def _search_words(self, chunk: str) -> list[str]:
        """jieba's cut_for_search (no HMM) from the remembered segmentation: each word, preceded by the dictionary
        words of 2 and 3 characters inside it."""
        freq = self._jieba.FREQ
        words: list[str] = []
        for w in self._segments(chunk):
            if len(w) > 2:
                words += [w[i : i + 2] for i in range(len(w) - 1) if freq.get(w[i : i + 2])]
            if len(w) > 3:
                words += [w[i : i + 3] for i in range(len(w) - 2) if freq.get(w[i : i + 3])]
            words.append(w)
        return words

    def informativeness(self, word: str) -> float:
        """How much a word says in general Chinese (from jieba's corpus frequencies): 的 ≈ 0, 附着物 ≫ 1."""
        freq = self._general_freq.get(word)
        if not freq:  # a word jieba's corpus does not know: one value for all, nothing remembered per word
            return self._unknown_informativeness
        cached = self._informativeness.get(word)
        if cached is None:
            cached = max(INFO_FLOOR, math.log(self._general_total / (freq + 1)) - INFO_BASELINE)
            if len(self._informativeness) < INFO_CACHE_SIZE:
                self._informativeness[word] = cached
        return cached

    def names_the_programme(self, canonical: str) -> bool:
        """Whether canonical text contains a word of the programme (征收, 补偿款, 安置房 …), generic words aside."""
        anchors = self._anchors
        return any(w in anchors for chunk in canonical.split(" ") for w in self._chunk_terms(chunk))

    def subject_words(self, canonical: str) -> set[str]:
        """The words of the curated domain dictionary in canonical text (搬迁费, 安置房, 强制执行 …): what a follow-up
        names when it changes the subject."""
        subjects = self._subjects
        return {w for chunk in canonical.split(" ") for w in self._chunk_terms(chunk) if w in subjects}

    def words(self, canonical: str) -> list[str]:
        """The words (no bigrams) of canonical text, stopwords out."""
        return [w for chunk in canonical.split(" ") for w in self._chunk_terms(chunk) if w[0] != BIGRAM_PREFIX]

    def terms(self, text: str) -> list[str]:
        """Index terms of `text`: words (synonyms canonical, stopwords out) and CJK bigrams marked with `~`."""
        return self.terms_of_canonical(self.canonical(text))

    def terms_of_canonical(self, canonical: str) -> list[str]:
        """Index terms of text already passed through `canonical`."""
        terms: list[str] = []
        for chunk in canonical.split(" "):
            terms += self._chunk_terms(chunk)
        return terms

    def _chunk_terms(self, chunk: str) -> list[str]:
        """The words and bigrams of one chunk (no spaces), remembered like its segments."""
        terms = self._last_terms.get(chunk)
        if terms is None:
            terms = [w for w in self._search_words(chunk) if w and w not in STOPWORDS]
            terms += [BIGRAM_PREFIX + run[i : i + 2] for run in _CJK_RUN.findall(chunk) for i in range(len(run) - 1)]
            self._last_terms[chunk] = terms
        return terms

    def canonical(self, text: str) -> str:
        """Normalised text with homophone typos corrected and every synonym replaced by its canonical term."""
        text = self._correct(normalise(text))
        if self._synonym_pattern is None:
            return text
        return self._synonym_pattern.sub(lambda m: self._synonyms[m.group(0)], text)

    def _correct(self, text: str) -> str:
        """Replace a run of segments that sounds like a domain word the segmenter did not see
        (过度|费 → 过渡费, 补|常 → 补偿); runs are whole segments, so a real word like 反映 is never split."""
        out: list[str] = []
        self._last_segments = {}
        self._last_terms = {}
        starts = self._correction_starts
        for chunk in text.split(" "):
            segments = self._last_segments[chunk] = self._segments(chunk)
            i = 0
            while i < len(segments):
                if segments[i][0] not in starts:  # most segments: no domain word begins with this sound
                    out.append(segments[i])
                    i += 1
                    continue
                replaced = self._homophone_at(segments, i)
                if replaced is None:
                    out.append(segments[i])
                    i += 1
                else:
                    word, used = replaced
                    out.append(word)
                    i += used
            out.append(" ")
        return "".join(out).strip()

    def _homophone_at(self, segments: tuple[str, ...], i: int) -> tuple[str, int] | None:
        """The domain word that segments[i:i+k] (k ≥ 1, 2–4 characters in all) sounds like, and k."""
        first = segments[i]
        if first[0] not in self._correction_starts or first in self._domain:
            return None  # no domain word starts with this sound: the common case, decided in one lookup
        run = ""
        for k in range(i, len(segments)):
            run += segments[k]
            if len(run) > _MAX_CORRECTION or _ALL_CJK.fullmatch(segments[k]) is None:
                return None
            reading = self._readings.word(run)
            if len(run) >= 2 and not (k == i and self._general_freq.get(run)):  # a real word alone stays as it is
                word = self._by_reading.get(reading)
                if word is not None and word != run:
                    return word, k - i + 1
            if reading not in self._reading_prefixes:
                return None  # no longer run sounds like a domain word either
        return None


def _load_synonyms(path: Path) -> dict[str, str]:
    """variant → canonical; every canonical term maps to itself, so that a variant inside it (门面 in 门面房) is
    never replaced — the longest match wins."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: dict[str, str] = {}
    for canonical, variants in data.items():
        target = normalise(str(canonical)).replace(" ", "")
        for variant in variants or ():
            table[normalise(str(variant)).replace(" ", "")] = target
    for target in set(table.values()):
        table[target] = target
    return table


def _load_user_words(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _alternation(table: dict[str, str]) -> re.Pattern[str] | None:
    if not table:
        return None
    return re.compile("|".join(re.escape(v) for v in sorted(table, key=len, reverse=True)))
