"""The transactional outbox: messages to residents written with the change that causes them, delivered later."""
