"""The Slack app manifest is derived from the code: every Web API method called anywhere under agents/ (through any
client variable, whatever its name) has its scopes in the manifest, and nothing more is asked for."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml
from slack_sdk import WebClient
from slack_sdk.web.base_client import BaseClient

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "agents" / "_core" / "slack" / "manifest.yaml"
# Each WebClient method Sentinel may call -> the bot scopes it needs (https://api.slack.com/methods/<method>).
SCOPES = {
    "chat_postMessage": {"chat:write"}, "chat_update": {"chat:write"}, "chat_postEphemeral": {"chat:write"},
    "users_info": {"users:read", "users:read.email"}, "usergroups_users_list": {"usergroups:read"},
    "files_upload_v2": {"files:write"},  # files.getUploadURLExternal + files.completeUploadExternal
    "views_open": set(), "views_publish": set(), "auth_test": set(),
}
# Web API methods of the client: WebClient's own public methods, plus the raw api_call (caught below).
API_METHODS = {name for name in vars(WebClient) if not name.startswith("_") and callable(getattr(WebClient, name))}
API_METHODS = (API_METHODS - set(dir(BaseClient))) | {"api_call"}


def called_methods() -> dict[str, list[str]]:
    """WebClient method name -> where it is called (file:line), by an AST walk over every module under agents/."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "agents").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in API_METHODS:
                found.setdefault(node.func.attr, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_walk_sees_methods_with_digits_and_any_client_name() -> None:
    source = "def f(slack, c):\n    slack.files_upload_v2(file=b'')\n    c.x.views_publish(user_id='U1')\n"
    tree = ast.parse(source)
    calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert {"files_upload_v2", "views_publish"} <= calls & API_METHODS
    assert "files_upload_v2" in called_methods()  # the digest chart's upload


def test_the_manifest_asks_for_exactly_the_scopes_of_the_methods_called() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    called = called_methods()
    assert {"chat_postMessage", "chat_update", "views_publish"} <= called.keys()
    assert "api_call" not in called, f"call the named method instead of api_call: {called.get('api_call')}"
    unknown = {name: where for name, where in called.items() if name not in SCOPES}
    assert not unknown, f"add these methods' scopes to SCOPES and to the manifest: {unknown}"
    needed = set().union(*(SCOPES[name] for name in called)) | {"commands"}  # the /sentinel slash command
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_the_manifest_has_interactivity_the_slash_command_and_the_home_tab_at_the_events_path() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/sentinel" and command["url"].endswith("/slack/events")
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert settings["socket_mode_enabled"] is False
