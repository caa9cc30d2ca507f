"""Intent rules: a few unmistakable requests (an area with a number, a case number, 转人工) that need no ranking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.params import KnowledgeError

RULES_FILE = "intent_rules.yaml"


@dataclass(frozen=True)
class Rule:
    label: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None

    def fires(self, text: str) -> bool:
        return self.pattern.search(text) is not None and (self.unless is None or self.unless.search(text) is None)


class IntentRules:
    def __init__(self, rules: list[Rule]) -> None:
        self._rules = rules

    def match(self, canonical_question: str) -> str | None:
        """The label of the first rule that fires on the question, if any."""
        return next((rule.label for rule in self._rules if rule.fires(canonical_question)), None)


def load_rules(knowledge_dir: Path) -> IntentRules:
    path = knowledge_dir / RULES_FILE
    if not path.exists():
        return IntentRules([])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return IntentRules(
            [
                Rule(label, re.compile(spec["pattern"]), re.compile(spec["unless"]) if spec.get("unless") else None)
                for label, specs in data.items()
                for spec in specs
            ]
        )
    except (yaml.YAMLError, re.error, KeyError, TypeError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from None
