"""Settings (bot/settings.py): every boolean, number and URL is checked when read; a value that cannot be used
stops `python -m bot` with one line naming the variable, never a traceback or a silent default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ANJU_COOKIE_SECURE", "ture"),
        ("ANJU_ACCESS_LOG", "enabled"),
        ("ANJU_PORT", "99999"),
        ("ANJU_PORT", "0"),
        ("ANJU_PORT", "80a"),
        ("ANJU_OUTBOX_INTERVAL", "two"),
        ("ANJU_SCHEDULER_INTERVAL", "-5"),
        ("ANJU_SCHEDULER_INTERVAL", "nan"),
        ("ANJU_DIGEST_HOUR", "24"),
        ("ANJU_MATCH_THRESHOLD", "1.5"),
        ("ANJU_MAX_BODY_BYTES", "10"),
        ("ANJU_WECHAT_WINDOW_HOURS", "72"),
        ("ANJU_TELEGRAM_OVERALL_RATE", "0"),
        ("ANJU_TELEGRAM_API_BASE", "api.telegram.org/bot"),
        ("ANJU_TELEGRAM_WEBHOOK_URL", "ftp://example.org/telegram/webhook"),
        ("ANJU_WECHAT_API_BASE", "https://api.weixin.qq.com:99999"),
        ("ANJU_LOG_LEVEL", "LOUD"),
        ("ANJU_LOG_FORMAT", "xml"),
        ("DATABASE_URL", "mysql://root:hunter2@db/anju"),
    ],
)
def test_an_unusable_value_is_refused_naming_its_variable(key: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({key: value})
    message = str(refused.value)
    assert message.startswith(key) and "\n" not in message
    assert "hunter2" not in message  # a database password is never repeated


def test_usable_values_are_read_in_their_usual_spellings() -> None:
    settings = Settings.from_env(
        {
            "ANJU_COOKIE_SECURE": "TRUE",
            "ANJU_ACCESS_LOG": "off",
            "ANJU_PORT": " 8443 ",
            "ANJU_OUTBOX_INTERVAL": "0",
            "ANJU_LOG_LEVEL": "debug",
            "ANJU_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
            "DATABASE_URL": "postgresql://anju:pw@db/anju",
            "ANJU_LOG_FORMAT": "json",
        }
    )
    assert settings.cookie_secure is True and settings.access_log is False and settings.port == 8443
    assert settings.outbox_interval == 0 and settings.log_level == "DEBUG" and settings.log_format == "json"
    assert "pw@" not in repr(settings)
    for no in ("0", "false", "no", "off", "False"):
        assert Settings.from_env({"ANJU_COOKIE_SECURE": no}).cookie_secure is False


def _serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize(
    ("key", "value"), [("ANJU_COOKIE_SECURE", "ture"), ("ANJU_PORT", "99999"), ("ANJU_OUTBOX_INTERVAL", "soon")]
)
def test_serve_stops_with_one_line_naming_the_variable(key: str, value: str) -> None:
    result = _serve({key: value})
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert key in line and repr(value) in line and "配置错误" in line


def test_serve_refuses_a_port_option_out_of_range() -> None:
    result = _serve({}, "--port", "99999")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--port" in result.stderr
