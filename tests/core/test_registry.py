"""Agents are discovered and paired with policies/<name>.yaml; a stray folder or a stray policy fails loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents._core.registry import RegistryError, discover

GOOD = '''from dataclasses import replace
from agents.approval_watcher import WATCHER as _BASE
WATCHER = replace(_BASE, name="{name}")
'''


def make_package(root: Path, monkeypatch: pytest.MonkeyPatch, folders: dict[str, str], policies: list[str]) -> tuple[Path, Path]:
    package = root / f"fakeagents_{root.name.replace('-', '_')}"  # unique: sys.modules caches by name
    (package / "_core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "_core" / "helpers.py").write_text("")  # private: never an agent
    for name, source in folders.items():
        (package / name).mkdir()
        (package / name / "__init__.py").write_text(source.format(name=name))
    policy_dir = root / "policies"
    policy_dir.mkdir()
    for name in policies:
        (policy_dir / f"{name}.yaml").write_text("agent: x\n")
    monkeypatch.syspath_prepend(str(root))
    return package, policy_dir


def test_the_shipped_agents_pair_with_the_shipped_policies() -> None:
    entries = discover(Path("policies"))
    assert "approval_watcher" in entries
    for name, entry in entries.items():
        assert entry.policy_path == Path("policies") / f"{name}.yaml"
        assert entry.watcher.name == name


def test_pairs_each_agent_folder_with_its_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package, policies = make_package(tmp_path, monkeypatch, {"alpha": GOOD, "beta": GOOD}, ["alpha", "beta"])
    assert sorted(discover(policies, package, package.name)) == ["alpha", "beta"]


def test_every_stray_is_named_with_its_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package, policies = make_package(
        tmp_path, monkeypatch,
        {"alpha": GOOD, "nopolicy": GOOD, "nowatcher": "X = 1\n", "misnamed": GOOD.replace('name="{name}"', 'name="other"')},
        ["alpha", "orphan", "misnamed", "nowatcher"],
    )
    with pytest.raises(RegistryError) as caught:
        discover(policies, package, package.name)
    assert str(caught.value).splitlines() == [
        "agents/misnamed/: WATCHER.name is 'other' (make it 'misnamed', the folder's name)",
        f"agents/nopolicy/ has no policy: create {policies / 'nopolicy.yaml'}",
        "agents/nowatcher/ does not export WATCHER (a Watcher) from its __init__.py",
        f"{policies / 'orphan.yaml'} has no agent: there is no agents/orphan/ (rename the file or add the agent)",
    ]
