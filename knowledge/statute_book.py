"""The texts of the articles answers cite: one YAML file per act under knowledge/statutes/, word for word from the
official text, or marked `confirmed: false` with where the resident can read the article instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.citations import NumeralError, act_key, article_label, article_number
from knowledge.params import KnowledgeError

STATUTES_DIR = "statutes"
ACT_KEYS = {"title", "aliases", "edition", "source", "read_at", "articles"}
REQUIRED_ACT_KEYS = ("title", "edition", "source", "read_at", "articles")
ARTICLE_KEYS = {"confirmed", "read_at"}


@dataclass(frozen=True)
class Article:
    number: int
    text: str | None  # the official wording (paragraphs one per line), None when not confirmed
    read_at: str  # where to read the official text

    @property
    def label(self) -> str:
        return article_label(self.number)

    @property
    def confirmed(self) -> bool:
        return self.text is not None


@dataclass(frozen=True)
class Act:
    title: str
    edition: str  # 文号 / edition and effective date, as a resident reads it
    source: str  # where our text was taken from and checked against
    read_at: str
    articles: dict[int, Article]
    aliases: tuple[str, ...] = ()
    path: str = ""

    def article(self, number: int) -> Article | None:
        return self.articles.get(number)


@dataclass(frozen=True)
class StatuteBook:
    acts: tuple[Act, ...] = ()
    _by_name: dict[str, Act] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for act in self.acts:
            for name in (act.title, *act.aliases):
                key = act_key(name)
                other = self._by_name.get(key)
                if other is not None and other is not act:
                    raise KnowledgeError(f"{act.path}: name {name!r} is also used by {other.path}")
                self._by_name[key] = act

    def act(self, name: str) -> Act | None:
        """The act cited as 《name》 (with or without 中华人民共和国)."""
        return self._by_name.get(act_key(name))


def load_statutes(knowledge_dir: Path) -> StatuteBook:
    """Every act under knowledge/statutes/; raises KnowledgeError naming the file on any problem."""
    directory = knowledge_dir / STATUTES_DIR
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    return StatuteBook(tuple(_load_act(path) for path in paths))


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml's, if built
    """YAML that refuses a key given twice (plain YAML keeps the last one: an article would silently vanish)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"{key} is listed twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_act(path: Path) -> Act:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: expected title, edition, source, read_at and articles")
    missing = [k for k in REQUIRED_ACT_KEYS if not data.get(k)]
    unknown = sorted(set(data) - ACT_KEYS)
    if missing or unknown:
        raise KnowledgeError(
            f"{path.name}: "
            + "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else [])
                + ([f"unknown key {', '.join(unknown)}"] if unknown else [])
            )
        )
    if not isinstance(data["articles"], dict):
        raise KnowledgeError(f"{path.name}: articles must map 第…条 to the article's text")
    read_at = str(data["read_at"]).strip()
    articles: dict[int, Article] = {}
    for label, value in data["articles"].items():
        article = _article(path, str(label), value, read_at)
        if article.number in articles:  # 第十九条 and 第19条
            raise KnowledgeError(f"{path.name}: {label} is listed twice")
        articles[article.number] = article
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list):
        raise KnowledgeError(f"{path.name}: aliases must be a list of names")
    return Act(
        title=str(data["title"]).strip().strip("《》"),
        edition=str(data["edition"]).strip(),
        source=str(data["source"]).strip(),
        read_at=read_at,
        articles=articles,
        aliases=tuple(str(a) for a in aliases),
        path=str(path),
    )


def _article(path: Path, label: str, value: Any, read_at: str) -> Article:
    try:
        number = article_number(label)
    except NumeralError as exc:
        raise KnowledgeError(f"{path.name}: {exc}") from None
    if isinstance(value, str):
        text = "\n".join(line.strip() for line in value.strip().splitlines() if line.strip())
        if not text:
            raise KnowledgeError(f"{path.name}: {label} has no text (write {{confirmed: false}} if it is not checked)")
        return Article(number, text, read_at)
    if isinstance(value, dict) and value.get("confirmed") is False and not set(value) - ARTICLE_KEYS:
        return Article(number, None, str(value.get("read_at") or read_at).strip())
    raise KnowledgeError(f"{path.name}: {label} must be the article's text, or {{confirmed: false}}")
