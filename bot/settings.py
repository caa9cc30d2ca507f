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
    access_log: bool = False
    session_secret: str = _secret()
    cookie_secure: bool = False  # staff session cookie only over HTTPS (set true in production)
    telegram_token: str = _secret()
    telegram_secret_token: str = _secret()
    telegram_api_base: str = "https://api.telegram.org/bot"
    wechat_token: str = _secret()
    wechat_aes_key: str = _secret()
    wechat_app_id: str = ""
    wechat_app_secret: str = _secret()
    wechat_api_base: str = "https://api.weixin.qq.com"
    # channels (docs/channels.md)
    telegram_file_api_base: str = "https://api.telegram.org/file/bot"
    telegram_webhook_url: str = ""  # public https URL of /telegram/webhook; set_webhook on start when given
    telegram_polling: bool = False  # development: long polling instead of the webhook (serve --telegram-polling)
    telegram_overall_rate: float = 30.0  # messages per second for the whole bot
    telegram_chat_interval: float = 1.0  # seconds between notifications to one chat
    wechat_max_body_bytes: int = 32 * 1024
    wechat_max_clock_skew: int = 300  # seconds a signed request may be old (or early)
    wechat_reply_budget: float = 3.5  # seconds to wait for the core before answering "success" and replying later
    wechat_window_hours: int = 48  # customer-service messages only this long after the resident's last message
    wechat_window_quota: int = 5  # … and at most this many of them per window (the platform's limit since 2023)
    # cases: background workers (seconds between runs; 0 turns a worker off — tests drive them by hand)
    outbox_interval: float = 2.0
    outbox_lease_seconds: int = 120  # a message being sent is retried only after this (see bot/outbox/worker.py)
    outbox_max_attempts: int = 8
    scheduler_interval: float = 60.0
    digest_hour: int = 8  # the supervisors' daily digest, Beijing time

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
