"""Channel adapters: they verify, parse and render; every decision is taken by the dialogue core.

One package per messaging platform; read `telegram/webhook.py` or `wechat/webhook.py` and
`bot/core/dialogue.py` to follow a message from the platform to the resident's reply."""
