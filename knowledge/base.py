"""The loaded knowledge base: parameters, entries, intents and the index, built once per process."""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba

from knowledge.analyzer import Analyzer
from knowledge.entries import Entry, load_entries, load_intents
from knowledge.index import Candidate, KnowledgeIndex, MatchResult
from knowledge.rules import IntentRules, load_rules
from knowledge.params import KnowledgeError, load_params
from knowledge.statute_book import StatuteBook, load_statutes


MATCH_CACHE_SIZE = 4096


@dataclass(frozen=True)
class KnowledgeBase:
    params: dict[str, Any]
    entries: dict[str, Entry]  # topics and intents by id / label
    index: KnowledgeIndex
    rules: IntentRules
    threshold: float
    margin: float
    statutes: StatuteBook = field(default_factory=StatuteBook)  # the texts of the articles answers cite

    def match(self, question: str) -> MatchResult:
        """An intent rule if one fires, else the index's verdict. Residents ask the same questions again and again:
        verdicts are remembered (the knowledge base never changes while loaded)."""
        return self._remembered(question)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_remembered", lru_cache(maxsize=MATCH_CACHE_SIZE)(self._match))

    def _match(self, question: str) -> MatchResult:
        canonical = self.index.canonical(question)
        label = self.rules.match(canonical)
        if label is not None and label in self.entries:
            return MatchResult(label, 1.0, (Candidate(label, 1.0),))
        return self.index.match_canonical(canonical, self.threshold, self.margin)

    def topic(self, topic_id: str) -> Entry | None:
        entry = self.entries.get(topic_id)
        return entry if entry is not None and not entry.is_intent else None

    @property
    def topics(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.is_intent]


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
    return KnowledgeBase(params, entries, index, load_rules(knowledge_dir), threshold, margin,
                         statutes=load_statutes(knowledge_dir))


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
