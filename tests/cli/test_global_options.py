"""Global options and Ctrl-C, through the real CLI in a fresh process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SENTINEL_POLICY_DIR": str(REPO / "policies"), **extra}


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "runner.py"), *args], cwd=tmp_path, env=_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=120)


def test_version(tmp_path: Path) -> None:
    done = _cli(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout == "sentinel 0.1.0\n"


def test_debug_shows_the_traceback_the_one_line_hides(tmp_path: Path) -> None:
    plain = _cli(tmp_path, "proposals", "list", SENTINEL_DATABASE_URL="postgresql://postgres@127.0.0.1:1/test")
    debug = _cli(tmp_path, "--debug", "proposals", "list", SENTINEL_DATABASE_URL="postgresql://postgres@127.0.0.1:1/test")
    assert plain.returncode == 69 and plain.stderr.count("\n") == 1
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr and "StateUnavailable" in debug.stderr


def test_completion_is_offered(tmp_path: Path) -> None:
    done = _cli(tmp_path, "--help")
    assert "--install-completion" in done.stdout and "--show-completion" in done.stdout


def test_ctrl_c_during_the_imports_exits_130_with_one_line(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, str(REPO / "runner.py"), "proposals", "list"], cwd=tmp_path,
                               env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)  # the imports take seconds (langgraph, pydantic-ai, SQLAlchemy)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr == "interrupted: nothing was done\n"


def test_ctrl_c_inside_a_command_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import runner

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "build_engine", interrupted)
    result = CliRunner().invoke(runner.app, ["once", "approval_watcher"])
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n"
