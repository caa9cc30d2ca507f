"""The county parameter file: one YAML document, loaded once, read by answers and the compensation engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PARAMS_FILE = "params.yaml"


class KnowledgeError(ValueError):
    """The curated content is inconsistent (bad front matter, unknown parameter, duplicate id …)."""


def load_params(knowledge_dir: Path) -> dict[str, Any]:
    path = knowledge_dir / PARAMS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return data
