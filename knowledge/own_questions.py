"""Questions about the resident's own household (knowledge/household_questions.yaml): which part of their file a
question asks for — "value", "estimate", "transition" … — matched on the canonical question, before the index."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.params import KnowledgeError

QUESTIONS_FILE = "household_questions.yaml"


@dataclass(frozen=True)
class OwnQuestions:
    patterns: tuple[tuple[str, re.Pattern[str]], ...] = field(default=())  # (aspect, pattern) in the file's order

    def aspect(self, canonical_question: str) -> str | None:
        """The aspect of the first pattern that fires on the question, if any."""
        return next((name for name, pattern in self.patterns if pattern.search(canonical_question)), None)


def load_own_questions(knowledge_dir: Path) -> OwnQuestions:
    path = knowledge_dir / QUESTIONS_FILE
    if not path.exists():
        return OwnQuestions()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return OwnQuestions(tuple((str(name), re.compile(p)) for name, specs in data.items() for p in specs))
    except (yaml.YAMLError, re.error, AttributeError, TypeError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from None
