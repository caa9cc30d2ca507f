"""Telegram through python-telegram-bot: webhook or long polling in, replies and notifications out.

Opt in to PTB's future `datetime.timedelta` time periods (PTB 22.2+): without it, reading attributes such as
`RetryAfter.retry_after` issues a deprecation warning on every call."""

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")
