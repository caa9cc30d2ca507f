"""The WeChat channel on the aiohttp app: /wechat (webhook.py) and the channel (channel.py) with its API client
session, run for the app's lifetime, the customer-service sender registered with the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import aiohttp_jinja2
from aiohttp import web

from bot import keys
from bot.channels.wechat import webhook
from bot.channels.wechat.channel import WECHAT, WeChatChannel
from bot.core.dialogue import Clock

API_TIMEOUT = aiohttp.ClientTimeout(total=10)


def setup(app: web.Application, clock: Clock) -> None:
    """Serve /wechat and run the channel for the app's lifetime, when a WeChat token is configured."""
    if not app[keys.SETTINGS].wechat_token:
        return
    webhook.setup(app)
    app.setdefault(keys.SENDERS, {})
    # the admins' banner (staff/base.html): template messages not configured, or configured wrongly
    aiohttp_jinja2.get_env(app).globals["wechat_template_warning"] = lambda: (
        app[WECHAT].template_warning if WECHAT in app else ""
    )

    async def wechat_channel(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=API_TIMEOUT) as http:
            channel = WeChatChannel(
                app[keys.SETTINGS],
                app[keys.DIALOGUE],
                app[keys.ENGINE],
                clock,
                http,
                app.get(keys.ATTACHMENTS),
                app.get(keys.HEARING),
            )
            app[WECHAT] = channel
            if channel.sender is not None:
                app[keys.SENDERS][channel.sender.channel] = channel.sender
            yield
            await channel.close()

    app.cleanup_ctx.append(wechat_channel)
