"""WeChat Official Account (公众号) message interface: GET/POST /wechat in, passive replies and the
customer-service message API out. Plain and safe (encrypted) mode."""
