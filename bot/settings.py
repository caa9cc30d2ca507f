"""Settings read from an environment mapping, cast on load, secrets hidden in repr."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


def _secret(default: str = "") -> str:
    return field(default=default, repr=False)


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///var/anju.db"
    host: str = "127.0.0.1"
    port: int = 8080
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    cache_dir: Path = Path("var/cache")
    # matcher thresholds: answer only when confident, and clearly ahead of the runner-up
    match_threshold: float = 0.24
    match_margin: float = 0.005
    max_body_bytes: int = 64 * 1024
    max_text_chars: int = 2000
    log_level: str = "INFO"
    session_secret: str = _secret()
    telegram_token: str = _secret()
    telegram_secret_token: str = _secret()
    telegram_api_base: str = "https://api.telegram.org/bot"
    wechat_token: str = _secret()
    wechat_aes_key: str = _secret()
    wechat_app_id: str = ""
    wechat_app_secret: str = _secret()
    wechat_api_base: str = "https://api.weixin.qq.com"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: os.environ); `DATABASE_URL` and `ANJU_<FIELD>`."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            key = "DATABASE_URL" if f.name == "database_url" else f"ANJU_{f.name.upper()}"
            raw = env.get(key)
            if raw is None or raw == "":
                continue
            values[f.name] = _cast(key, raw, type(getattr(cls, f.name, f.default)) if f.default is not None else str)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _cast(key: str, raw: str, kind: type) -> object:
    try:
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if issubclass(kind, Path):
            return Path(raw)
    except ValueError as exc:
        raise SettingsError(f"{key}={raw!r}: {exc}") from None
    return raw


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
