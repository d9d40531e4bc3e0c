"""The Slack app manifest asks for exactly the scopes of the Web API methods the code calls, and interactivity."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

SLACK = Path(__file__).resolve().parents[2] / "agents" / "_core" / "slack"
# Each Web API method Sentinel may call -> the bot scopes it needs (views.open and auth.test need none).
SCOPES = {
    "chat_postMessage": {"chat:write"}, "chat_update": {"chat:write"}, "chat_postEphemeral": {"chat:write"},
    "users_info": {"users:read", "users:read.email"}, "usergroups_users_list": {"usergroups:read"},
    "views_open": set(), "auth_test": set(),
}


def test_the_manifest_asks_for_exactly_the_scopes_used() -> None:
    manifest = yaml.safe_load((SLACK / "manifest.yaml").read_text())
    source = "\n".join(path.read_text() for path in SLACK.glob("*.py"))
    called = set(re.findall(r"client\.([a-z]+_[A-Za-z_]+)\(", source))
    assert called, "no Web API call found"
    unknown = called - SCOPES.keys()
    assert not unknown, f"add the scopes of {unknown} to SCOPES and to the manifest"
    needed = set().union(*(SCOPES[m] for m in called))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_the_manifest_enables_interactivity_at_the_events_path_and_subscribes_no_events() -> None:
    settings = yaml.safe_load((SLACK / "manifest.yaml").read_text())["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert "event_subscriptions" not in settings and settings["socket_mode_enabled"] is False
