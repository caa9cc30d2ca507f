"""Knowledge entries: Markdown files with front matter, rendered once with the county parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import jinja2
import yaml

from knowledge.params import KnowledgeError

ENTRIES_DIR = "entries"
INTENTS_FILE = "intents.yaml"
REQUIRED_KEYS = ("id", "title", "questions", "sources")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^[ \t]*[-*][ \t]+", re.MULTILINE)  # [ \t], not \s: the blank line before a list stays


@dataclass(frozen=True)
class Entry:
    """One curated topic (or an intent, whose `id` is `intent:<name>` and which has no answer text)."""

    id: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    offer: str | None = None
    # the answer's first paragraph depends on the day it is read (a name handlers know: "signing_reward"); the
    # rendered one stands for the plan's first day
    dated: str | None = None
    answer: str = ""
    quotes_county_numbers: bool = False
    path: str = ""

    @property
    def is_intent(self) -> bool:
        return self.id.startswith("intent:")


def template_env() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


def load_entries(knowledge_dir: Path, params: dict[str, Any]) -> list[Entry]:
    """Every topic entry under `entries/`, rendered; raises KnowledgeError naming the file on any problem."""
    env = template_env()
    entries = []
    for path in sorted((knowledge_dir / ENTRIES_DIR).glob("*.md")):
        entries.append(_load_entry(path, env, params))
    return entries


def load_intents(knowledge_dir: Path) -> list[Entry]:
    """The example phrases of the five intents, as entries without answer text."""
    path = knowledge_dir / INTENTS_FILE
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: {exc}") from None
    return [
        Entry(
            id=label,
            title=str(spec.get("title", label)),
            questions=tuple(str(q) for q in spec.get("questions", ())),
            keywords=tuple(str(k) for k in spec.get("keywords", ())),
            path=str(path),
        )
        for label, spec in data.items()
    ]


def _load_entry(path: Path, env: jinja2.Environment, params: dict[str, Any]) -> Entry:
    try:
        post = frontmatter.load(str(path))
    except (yaml.YAMLError, ValueError) as exc:
        raise KnowledgeError(f"{path.name}: front matter: {exc}") from None
    meta: dict[str, Any] = post.metadata
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise KnowledgeError(f"{path.name}: missing {', '.join(missing)}")

    def render(text: str) -> str:
        try:
            return env.from_string(text).render(p=params).strip()
        except jinja2.TemplateError as exc:
            raise KnowledgeError(f"{path.name}: template: {exc}") from None

    sources = tuple(render(str(s)) for s in meta["sources"])
    return Entry(
        id=str(meta["id"]),
        title=str(meta["title"]),
        questions=tuple(str(q) for q in meta["questions"]),
        keywords=tuple(str(k) for k in meta.get("keywords") or ()),
        sources=sources,
        related=tuple(str(r) for r in meta.get("related") or ()),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        offer=meta.get("offer"),
        dated=str(meta["dated"]) if meta.get("dated") else None,
        answer=to_plain_text(render(post.content)),
        quotes_county_numbers="p." in post.content,
        path=str(path),
    )


def to_plain_text(markdown: str) -> str:
    """Chat channels show plain text: bold markers dropped, list items as bullets."""
    text = _BOLD.sub(r"\1", markdown)
    text = _BULLET.sub("• ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
