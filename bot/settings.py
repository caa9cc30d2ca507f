"""Settings read from an environment mapping, cast on load, secrets hidden in repr."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


def _secret(default: str = "") -> str:
    return field(default=default, repr=False)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default="sqlite+aiosqlite:///var/anju.db", repr=False)  # may hold a password
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
    log_format: str = "text"  # "json": one JSON object per line, for log shippers (bot/logs.py)
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
    wechat_window_quota: int = 5  # … and at most this many of them per window (WeChat's rule since June 2023)
    # past the window: case notices as 模板消息 (bot/channels/wechat/templates.py). The county's own template id
    # and its field mapping ("keyword1=number,keyword2=event,keyword3=time,remark=hint"); empty: not sent
    wechat_notice_template_id: str = ""
    wechat_notice_template_fields: str = ""
    # … or as 订阅通知 (POST /cgi-bin/message/subscribe/bizsend) when the kind is "subscribe": the county's subscribe
    # template id and its fields ("character_string1=number,thing2=event,time3=time,thing4=hint"); empty: not sent
    wechat_notice_kind: str = "template"
    wechat_subscribe_template_id: str = ""
    wechat_subscribe_template_fields: str = ""
    # the address residents and staff reach this server at (links in robot posts and template messages)
    public_base_url: str = ""
    # department group robots (bot/channels/robots/; docs/channels.md)
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    dingtalk_api_base: str = "https://oapi.dingtalk.com"
    # cases: background workers (seconds between runs; 0 turns a worker off — tests drive them by hand)
    outbox_interval: float = 2.0
    outbox_lease_seconds: int = 120  # a message being sent is retried only after this (see bot/outbox/worker.py)
    outbox_max_attempts: int = 8
    scheduler_interval: float = 60.0
    digest_hour: int = 8  # the supervisors' daily digest, Beijing time
    metrics_token: str = _secret()  # /metrics: bearer token; unset: loopback clients only
    holidays_file: str = (
        ""  # 法定节假日 and 调休 by year (bot/cases/workdays.py); default <knowledge_dir>/holidays.yaml
    )
    # growth (issue 9): the SQLite log is cut back past this size (bot/db/checkpoint.py)
    sqlite_wal_limit_mb: int = 64
    # slow and numerous clients (bot/web/server.py; docs/deployment.md)
    keepalive_timeout: float = 15.0  # seconds for a request head to arrive, and an idle connection is kept
    body_timeout: float = 30.0  # seconds for a request body to arrive completely (then 408)
    max_connections: int = 1000  # open connections at once (then 503)
    # abuse and growth (bot/db/retention.py, bot/cases/intake_limit.py; docs/deployment.md)
    cases_per_day: int = 5  # cases one resident may file in the chat in 24 hours (0: no limit)
    message_log_days: int = 180  # chat messages kept this long (0: for ever)
    processed_days: int = 30  # ids of handled channel messages kept this long
    gaps_max: int = 5000  # unanswered questions kept (the most often asked)
    retention_interval: float = 60.0  # seconds between prunings (0: off)
    # attachments and voice (issue 13; docs/channels.md)
    attachments_dir: Path = Path("var/attachments")  # the attachment store (bot/attachments/store.py)
    attachment_max_bytes: int = 10 * 1024 * 1024  # a photo larger than this is refused
    attachment_max_pixels: int = 40_000_000  # … and one with more pixels (decompression bombs)
    attachment_retry_interval: float = 60.0  # seconds between retries of failed downloads (0: off)
    voice_max_bytes: int = 5 * 1024 * 1024  # a recording larger than this is refused
    voice_max_seconds: int = 60  # what is transcribed of a longer one
    stt_url: str = ""  # base URL of an OpenAI-compatible speech-to-text server; unset: voice is not transcribed
    stt_model: str = "whisper-1"
    stt_key: str = _secret()
    stt_language: str = "zh"
    stt_timeout: float = 15.0  # seconds for one transcription
    # the household ledger (issue 14; bot/households/): the key of the ID numbers' keyed hashes (keep it secret and
    # never change it: the hashes of imported households are made with it), and the largest file staff may import
    household_id_key: str = _secret()
    household_import_max_bytes: int = 20 * 1024 * 1024
    # binding a chat to a household (bot/households/binding_desk.py): how long a printed one-time code stays valid,
    # and how many failed attempts (per resident, per web client, per 户号) within so many hours lock binding for
    # as many hours
    household_code_days: int = 90
    household_bind_failures: int = 5
    household_bind_lock_hours: int = 24

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: os.environ); `DATABASE_URL` and `ANJU_<FIELD>`. A value that cannot be
        used raises SettingsError naming the variable (`python -m bot` prints it and stops)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            key = env_key(f.name)
            raw = env.get(key)
            if raw is None or raw == "":
                continue
            value = _cast(key, raw, type(getattr(cls, f.name, f.default)) if f.default is not None else str)
            _check(f.name, key, raw, value)
            if f.name == "log_level":
                value = str(value).upper()
            values[f.name] = value
        return cls(**values)  # type: ignore[arg-type]

    @property
    def holidays_path(self) -> Path:
        return Path(self.holidays_file) if self.holidays_file else self.knowledge_dir / "holidays.yaml"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def env_key(name: str) -> str:
    """The environment variable that sets field `name`."""
    return "DATABASE_URL" if name == "database_url" else f"ANJU_{name.upper()}"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# (lowest, highest) a number may take; numbers not named here only need to be >= 0
_RANGES: dict[str, tuple[float, float]] = {
    "port": (1, 65535),
    "digest_hour": (0, 23),
    "match_threshold": (0, 1),
    "match_margin": (0, 1),
    "max_body_bytes": (1024, 64 * 1024 * 1024),
    "max_text_chars": (1, 1_000_000),
    "wechat_max_body_bytes": (1024, 64 * 1024 * 1024),
    "wechat_window_hours": (1, 48),
    "wechat_window_quota": (1, 1000),
    "outbox_lease_seconds": (1, 86_400),
    "outbox_max_attempts": (1, 1000),
    "telegram_overall_rate": (0.1, 1000),
    "attachment_max_bytes": (1024, 100 * 1024 * 1024),
    "attachment_max_pixels": (10_000, 200_000_000),
    "voice_max_bytes": (1024, 100 * 1024 * 1024),
    "voice_max_seconds": (1, 600),
    "stt_timeout": (0.01, 600),
    "household_import_max_bytes": (1024, 200 * 1024 * 1024),
    "household_code_days": (1, 3650),
    "household_bind_failures": (1, 100),
    "household_bind_lock_hours": (1, 720),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "log_level": LOG_LEVELS,
    "log_format": ("text", "json"),
    "wechat_notice_kind": ("template", "subscribe"),
}


def _cast(key: str, raw: str, kind: type) -> object:
    text = raw.strip()
    if kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise SettingsError(f"{key}={raw!r}: 不是开关值（应为 true/false、1/0、yes/no 或 on/off）")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise SettingsError(f"{key}={raw!r}: 不是整数") from None
    if kind is float:
        try:
            value = float(text)
        except ValueError:
            raise SettingsError(f"{key}={raw!r}: 不是数字") from None
        if not math.isfinite(value):
            raise SettingsError(f"{key}={raw!r}: 不是有限的数字")
        return value
    if issubclass(kind, Path):
        return Path(raw)
    return raw


def _check(name: str, key: str, raw: str, value: object) -> None:
    """Ranges, choices and URLs; raise SettingsError naming `key`."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        low, high = _RANGES.get(name, (0, math.inf))
        if not low <= value <= high:
            bound = f"应不小于 {low:g}" if high == math.inf else f"应在 {low:g}–{high:g} 之间"
            raise SettingsError(f"{key}={raw!r}: {bound}")
        return
    if name in _CHOICES:
        choices = _CHOICES[name]
        if (str(value).upper() if name == "log_level" else value) not in choices:
            raise SettingsError(f"{key}={raw!r}: 应为 {' / '.join(choices)} 之一")
    elif name == "database_url":
        scheme = str(value).split(":", 1)[0]
        if not scheme.startswith(("sqlite", "postgres")):
            raise SettingsError(f"{key}: 应为 sqlite:/// 或 postgresql:// 开头的地址（现为 {scheme or '空'}:…）")
    elif name.endswith(("_url", "_api_base")):
        parts = urlsplit(str(value))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(f"{key}={_without_credentials(str(value))!r}: 应为 http:// 或 https:// 开头的完整地址")
        try:
            parts.port  # noqa: B018 - raises on a port out of range
        except ValueError:
            raise SettingsError(f"{key}={_without_credentials(str(value))!r}: 端口不正确") from None


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[-1]))


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
