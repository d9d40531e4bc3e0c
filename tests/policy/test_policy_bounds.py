"""Reading a policy is bounded: an alias bomb, deep nesting, a recursive alias or a huge file is refused, placed, fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.policy import PolicyError, load_policy
from agents._core.policy_bounds import MAX_BYTES
from agents.approval_watcher.policy import POLICY_MODEL
from runner import app

SHIPPED = Path(__file__).resolve().parents[2] / "policies/approval_watcher.yaml"


def alias_bomb(levels: int = 12) -> str:
    """"Billion laughs": each level lists the one before ten times; 10^12 strings once expanded."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + SHIPPED.read_text()


PATHOLOGICAL = {
    "alias_bomb": (alias_bomb(), "l4: holds more than 20000 values once its YAML aliases (*name) are expanded"),
    "merge_bomb": ("m0: &m0 {a: 1, b: 2, c: 3}\n" + "".join(f"m{i}: &m{i} {{<<: *m{i - 1}, x: *m{i - 1}, y: *m{i - 1}}}\n"
                                                         for i in range(1, 16)), "values once its YAML aliases"),
    "recursive_alias": ("agent: approval_watcher\nrules: &r [*r]\n", "rules: a YAML alias (*name) refers to the mapping or list it is in"),
    "alias_chain": ("c0: &c0 [x]\n" + "".join(f"c{i}: &c{i} [*c{i - 1}]\n" for i in range(1, 3000)), "c31: nested deeper"),
    "deep_flow": ("rules: " + "[" * 4000 + "]" * 4000 + "\n", ":1: nested deeper than 32 levels"),
    "huge": ("agent: approval_watcher\n" + "# a pasted dump\n" * (MAX_BYTES // 10), "more than the 131072 a policy may have"),
}


@pytest.mark.parametrize("case", PATHOLOGICAL)
def test_a_pathological_file_is_refused_with_its_place_in_well_under_a_second(case: str, tmp_path: Path) -> None:
    text, expected = PATHOLOGICAL[case]
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(text)
    started = time.perf_counter()
    with pytest.raises(PolicyError) as caught:
        load_policy(path, POLICY_MODEL, connections={"default"}, expected_agent="approval_watcher")
    assert time.perf_counter() - started < 1.0
    assert expected in str(caught.value) and str(caught.value).startswith(f"{path}:")


def test_policy_check_refuses_an_alias_bomb_at_once(tmp_path: Path) -> None:
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(alias_bomb())
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["policy", "check", str(path)])
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 1
    assert result.stderr == (f"{path}:5: l4: holds more than 20000 values once its YAML aliases (*name) are expanded "
                             "(write fewer values, or fewer aliases)\n")


def test_aliases_within_the_bounds_still_work(tmp_path: Path) -> None:
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(SHIPPED.read_text().replace("cooldown: 24h", "cooldown: &day 24h").replace("proposal_ttl: 8h", "proposal_ttl: *day"))
    loaded = load_policy(path, POLICY_MODEL, connections={"default"}, expected_agent="approval_watcher")
    assert loaded.policy.limits.proposal_ttl == loaded.policy.limits.cooldown
