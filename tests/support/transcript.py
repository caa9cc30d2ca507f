"""A resident talking to /api/chat: say something, press a button by its label, read what came back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient


@dataclass
class ChatSession:
    client: TestClient
    session: str = field(default_factory=lambda: "t-" + uuid.uuid4().hex[:12])
    replies: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. X-Forwarded-For, as the proxy in front adds it

    async def send(self, **body: Any) -> list[dict[str, Any]]:
        response = await self.client.post("/api/chat", json={"session": self.session, **body}, headers=self.headers)
        assert response.status == 200, await response.text()
        data = await response.json()
        self.replies = data["replies"]
        return self.replies

    async def say(self, text: str) -> list[dict[str, Any]]:
        return await self.send(text=text)

    async def press(self, label: str) -> list[dict[str, Any]]:
        """Press the button whose label contains `label` among the last replies."""
        for button in self.buttons:
            if label in button["label"]:
                return await self.send(button=button["id"])
        raise AssertionError(f"no button {label!r} among {[b['label'] for b in self.buttons]}")

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.replies)

    @property
    def buttons(self) -> list[dict[str, str]]:
        return [b for r in self.replies for b in r["buttons"]]

    @property
    def button_ids(self) -> list[str]:
        return [b["id"] for b in self.buttons]
