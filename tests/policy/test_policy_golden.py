"""Golden policy mistakes: each tests/policy/bad/<topic>.<case>.yaml must fail with exactly the text of its .err file.

Regenerate after a deliberate wording change with SENTINEL_UPDATE_GOLDEN=1, then read every changed .err.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from agents._core.policy import PolicyError, load_policy
from agents.approval_watcher.policy import POLICY_MODEL

ROOT = Path(__file__).resolve().parents[2]
BAD = Path("tests/policy/bad")  # relative: the messages print the path as given
CASES = sorted(path.name for path in (ROOT / BAD).glob("*.yaml"))
UPDATE = os.environ.get("SENTINEL_UPDATE_GOLDEN") == "1"
PROBLEM_LINE = re.compile(r"tests/policy/bad/[a-z_]+\.[a-z_]+\.yaml:\d+: (\S+: )?.+ \(.+\)")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("name", CASES, ids=lambda name: name.removesuffix(".yaml"))
def test_bad_policy_fails_with_its_golden_error(name: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(BAD / name, POLICY_MODEL, connections={"default"}, expected_agent="approval_watcher")
    actual = str(caught.value) + "\n"
    golden = ROOT / BAD / name.replace(".yaml", ".err")
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES, ids=lambda name: name.removesuffix(".yaml"))
def test_every_problem_names_place_and_fix(name: str) -> None:
    golden = (ROOT / BAD / name.replace(".yaml", ".err")).read_text(encoding="utf-8")
    lines = golden.splitlines()
    assert lines, "a golden error file must not be empty"
    for line in lines:
        assert PROBLEM_LINE.fullmatch(line), line
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers), "problems are reported by line"


def test_the_goldens_cover_enough_distinct_mistakes() -> None:
    assert len(CASES) >= 18
    errs = {path.name for path in (ROOT / BAD).glob("*.err")}
    assert errs == {name.replace(".yaml", ".err") for name in CASES}, "each case has exactly one .err, and no stray .err"
