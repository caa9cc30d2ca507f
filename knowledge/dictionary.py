"""The general-language dictionary for jieba, trimmed to words seen at least a few times in its corpus.

jieba's full dictionary (349k words) takes ~0.8 s to load even from its cache; residents' questions need the
common words only (rarer ones fall back to single characters and bigrams), so the trimmed copy is written once
to the cache directory and loads in a fraction of that.
"""

from __future__ import annotations

import os
from pathlib import Path

import jieba

MIN_FREQUENCY = 30


def general_dictionary(cache_dir: Path, min_frequency: int = MIN_FREQUENCY) -> Path:
    """Path of the trimmed dictionary in `cache_dir`, written on first use (atomically)."""
    target = cache_dir / f"jieba-dict-min{min_frequency}.txt"
    if target.exists():
        return target
    source = Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME
    kept = []
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) >= 2 and int(parts[1]) >= min_frequency:
                kept.append(line if line.endswith("\n") else line + "\n")
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text("".join(kept), encoding="utf-8")
    partial.replace(target)
    return target
