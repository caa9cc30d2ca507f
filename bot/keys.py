"""Typed keys for what the app holds (aiohttp AppKey)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.attachments.fetcher import AttachmentFetcher
from bot.cases.scheduler import Scheduler
from bot.cases.service import CaseService
from bot.cases.workdays import WorkCalendar
from bot.core.dialogue import DialogueService
from bot.metrics import Metrics
from bot.outbox.worker import OutboxWorker
from bot.settings import Settings
from bot.speech.hearing import Hearing
from knowledge.base import KnowledgeBase

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
KNOWLEDGE = web.AppKey("knowledge", KnowledgeBase)
DIALOGUE = web.AppKey("dialogue", DialogueService)
# channel name → its outbox Sender (bot/outbox/ports.py), filled in by the channel adapters that are configured
SENDERS = web.AppKey("senders", dict)
CASES = web.AppKey("cases", CaseService)
OUTBOX = web.AppKey("outbox", OutboxWorker)
SCHEDULER = web.AppKey("scheduler", Scheduler)
# the working-day calendar of the county's holiday file (bot/calendar_watch.py)
CALENDAR = web.AppKey("calendar", WorkCalendar)
# this app's Prometheus counters (bot/metrics.py, served by bot/web/metrics.py)
METRICS = web.AppKey("metrics", Metrics)
# residents' photos and recordings (bot/attachments), speech to text for every channel (bot/speech); bot/media.py
ATTACHMENTS = web.AppKey("attachments", AttachmentFetcher)
HEARING = web.AppKey("hearing", Hearing)
