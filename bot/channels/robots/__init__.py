"""Senders of the department group robots (企业微信 / 钉钉) for the outbox (bot/robots/ holds their configuration).

render    one notice, or a burst folded into one message, as markdown within the platforms' size limit
sender    what both robots share: the robot's credentials, 20 messages a minute, the last outcome for the page
wecom     POST …/cgi-bin/webhook/send?key=…
dingtalk  POST …/robot/send?access_token=…&timestamp=…&sign=… (signed mode)
channel   the senders' life on the app
"""
