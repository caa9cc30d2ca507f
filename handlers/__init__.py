"""The conversation, one module per flow. Pure step functions: (state, inbound, context) -> Turn.
Channel-agnostic: nothing here imports a channel library or touches the database."""
