"""The local Slack Web API now ships in the package (agents._core.slack.fake_api); kept here so old imports work."""

from agents._core.slack.fake_api import BOT_TOKEN, BOT_USER, TEAM, Call, FakeSlack

__all__ = ["BOT_TOKEN", "BOT_USER", "TEAM", "Call", "FakeSlack"]
