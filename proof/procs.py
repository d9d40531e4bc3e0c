"""Child processes of the proof: started with a line to wait for, always stopped on exit (even on Ctrl-C or a crash)."""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_LIVE: list[subprocess.Popen[str]] = []
_LOCK = threading.Lock()


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL when the proof itself dies (even by SIGKILL), so nothing is left behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Child:
    """One process whose output lines are kept (for tracebacks and readiness) as they arrive."""

    def __init__(self, argv: list[str], *, env: dict[str, str] | None = None, name: str = "") -> None:
        self.name = name or Path(argv[1] if len(argv) > 1 else argv[0]).name
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", preexec_fn=_die_with_parent,
        )
        with _LOCK:
            _LIVE.append(self.process)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, ""):
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, test: Callable[[str], bool], timeout: float) -> str:
        """The first output line passing `test`; RuntimeError with the output if the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                if test(line):
                    return line
            seen = len(self.lines)
            if self.process.poll() is not None:
                time.sleep(0.2)  # the last lines
                break
            time.sleep(0.05)
        tail = "\n".join(self.lines[-30:])
        raise RuntimeError(f"{self.name} did not get ready within {timeout:g}s:\n{tail}")

    def output(self) -> str:
        return "\n".join(self.lines)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill9(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        _forget(self.process)

    def stop(self, timeout: float = 20.0) -> float | None:
        """SIGTERM, then SIGKILL after `timeout`; the seconds it took to stop on SIGTERM (None: it had to be killed)."""
        started = time.monotonic()
        if self.alive():
            if self.process.stdin:
                try:
                    self.process.stdin.close()
                except OSError:
                    pass
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                _forget(self.process)
                return None
        _forget(self.process)
        return time.monotonic() - started


def run_once(argv: list[str], *, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """A short command (a CLI call), killed if it outlives `timeout` or the proof: TimeoutExpired then."""
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace", preexec_fn=_die_with_parent)
    with _LOCK:
        _LIVE.append(process)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    finally:
        _forget(process)
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _forget(process: subprocess.Popen[str]) -> None:
    with _LOCK:
        if process in _LIVE:
            _LIVE.remove(process)


def stop_all() -> None:
    """Every child still running: SIGTERM, a short grace, then SIGKILL. Only processes this run started."""
    with _LOCK:
        live = list(_LIVE)
        _LIVE.clear()
    for process in live:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 5
    for process in live:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def install_cleanup() -> None:
    """atexit and SIGTERM/SIGINT: children are stopped however the proof ends."""
    atexit.register(stop_all)

    def on_signal(signum: int, _frame: object) -> None:
        stop_all()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
