"""The loaded knowledge base: parameters, entries, intents and the index, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.analyzer import Analyzer
from knowledge.entries import Entry, load_entries, load_intents
from knowledge.index import Candidate, KnowledgeIndex, MatchResult
from knowledge.rules import IntentRules, load_rules
from knowledge.params import KnowledgeError, load_params


@dataclass(frozen=True)
class KnowledgeBase:
    params: dict[str, Any]
    entries: dict[str, Entry]  # topics and intents by id / label
    index: KnowledgeIndex
    rules: IntentRules
    threshold: float
    margin: float

    def match(self, question: str) -> MatchResult:
        """An intent rule if one fires, else the index's verdict."""
        label = self.rules.match(self.index.canonical(question))
        if label is not None and label in self.entries:
            return MatchResult(label, 1.0, (Candidate(label, 1.0),))
        return self.index.match(question, self.threshold, self.margin)

    def topic(self, topic_id: str) -> Entry | None:
        entry = self.entries.get(topic_id)
        return entry if entry is not None and not entry.is_intent else None

    @property
    def topics(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.is_intent]


def load_knowledge(knowledge_dir: Path, cache_dir: Path, threshold: float, margin: float) -> KnowledgeBase:
    """Read params, entries and intents from `knowledge_dir`; raises KnowledgeError on inconsistent content."""
    params = load_params(knowledge_dir)
    items = [*load_entries(knowledge_dir, params), *load_intents(knowledge_dir)]
    entries: dict[str, Entry] = {}
    for entry in items:
        if entry.id in entries:
            raise KnowledgeError(f"duplicate id {entry.id}: {entries[entry.id].path} and {entry.path}")
        entries[entry.id] = entry
    vocabulary = [k for e in items for k in e.keywords]
    analyzer = Analyzer(knowledge_dir, cache_dir, vocabulary)
    index = KnowledgeIndex(items, analyzer)
    return KnowledgeBase(params, entries, index, load_rules(knowledge_dir), threshold, margin)
