"""Slack, the edge adapter: Bolt app (inbound decisions), Block Kit builders, outbox worker (outbound messages)."""
