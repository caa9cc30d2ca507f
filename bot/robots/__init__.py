"""Department group robots on 企业微信 (WeCom) and 钉钉 (DingTalk): which department has which robot, and the notices
queued to them through the outbox (the senders live in bot/channels/robots/).

models   the department_robots table
config   setting, clearing and showing a department's robots (secrets never shown back in full)
posts    queuing a department notice (new case, reminder, 督办, daily digest) to the department's robots
"""
