"""The channel-agnostic dialogue core: message types and the transaction around one inbound message."""
