"""Typed keys for what the app holds (aiohttp AppKey)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.dialogue import DialogueService
from bot.settings import Settings
from knowledge.base import KnowledgeBase

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
KNOWLEDGE = web.AppKey("knowledge", KnowledgeBase)
DIALOGUE = web.AppKey("dialogue", DialogueService)
