"""The console adapter: `python -m bot chat`. Buttons are shown numbered; typing the number presses one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TextIO

from bot.cases.routing import ROUTING_FILE, seed_routing_if_empty
from bot.cases.workdays import WorkCalendar
from bot.core.messages import Button, Channel, Inbound, InboundKind, Outbound
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.dialogue_wiring import dialogue_service
from bot.households.binding_desk import BindingRules
from bot.settings import Settings
from knowledge.base import load_knowledge
from knowledge.text import clean_input

QUIT_WORDS = {"q", "quit", "exit", "退出程序"}


def render(replies: list[Outbound]) -> tuple[str, list[Button]]:
    """Plain text for a terminal, and the buttons in the order they are numbered."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(reply.text)
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.label}")
        lines.append("")
    return "\n".join(lines), buttons


async def run_console(settings: Settings, stdin: TextIO, stdout: TextIO, user_key: str = "local") -> int:
    kb = load_knowledge(settings.knowledge_dir, settings.cache_dir, settings.match_threshold, settings.match_margin)
    engine = make_engine(settings.database_url)
    await upgrade(engine)
    await seed_routing_if_empty(engine, settings.knowledge_dir / ROUTING_FILE, datetime.now(UTC))
    binding = BindingRules.from_settings(settings)
    service = dialogue_service(engine, kb, calendar=WorkCalendar.load(settings.holidays_path), binding=binding)
    session = f"{user_key}"

    async def send(kind: InboundKind, text: str) -> list[Button]:
        inbound = Inbound(Channel.CONSOLE, session, f"{session}:{uuid.uuid4().hex}", kind, text)
        shown, buttons = render(await service.handle(inbound))
        stdout.write(shown + "\n")
        stdout.flush()
        return buttons

    try:
        buttons = await send(InboundKind.START, "")
        while True:
            stdout.write("您> ")
            stdout.flush()
            line = stdin.readline()
            if not line:
                break
            text = clean_input(line, settings.max_text_chars)
            if text.lower() in QUIT_WORDS:
                break
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                buttons = await send(InboundKind.BUTTON, buttons[int(text) - 1].id)
            else:
                buttons = await send(InboundKind.TEXT, text)
    finally:
        await service.close()
        await engine.dispose()
    stdout.write("再见！\n")
    return 0
