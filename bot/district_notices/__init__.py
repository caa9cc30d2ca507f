"""Notices to a district (issue 14, point 5): staff write one notice (评估结果公示, 选房通知, 签约期限提醒, 其他) for the
residents bound to the households of one district, or of all districts; it goes to each bound resident once, through
the outbox on the resident's own channel, and its delivery report is read back from the outbox rows.

vocabulary  the kinds, their labels, the limits of a notice, the 不再接收此类通知 button
draft       what staff typed, checked: a Draft or the Chinese sentences that say what is wrong
audience    who may send to which district, and who receives: the bound residents, less those who turned notices off
sending     one transaction: the notice (by its form's key: a second submit finds it), its recipients, their outbox rows
reasons     an outbox row's error → sent / failed / undeliverable and why, in Chinese
report      the delivery report of one notice, and the list of notices sent
models      the tables (listed in bot/tables.py)
"""
