"""A fault-injecting HTTP proxy in front of the sandbox Odoo, switched at runtime by the harness.

Each request is read whole (one JSON-RPC call), labelled `model.method` (or its path), counted, and given a fate:
pass, refuse (connections refused for a while), hang (no answer until the fault ends), slow (forwarded only after a
delay longer than the client's timeout, so the write lands late), drop_request (never forwarded), drop_answer
(forwarded, the answer thrown away). `trigger()` aims a fault at the k-th call from now; its hook (a kill -9, say)
runs before the call is forwarded or after Odoo answered it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Fate = Literal["pass", "refuse", "hang", "slow", "drop_request", "drop_answer", "kill_before", "kill_after"]
FAULTS: tuple[Fate, ...] = ("refuse", "hang", "slow", "drop_request", "drop_answer")


@dataclass
class Seen:
    index: int
    label: str
    fate: Fate
    at: float = field(default_factory=time.monotonic)
    hold: float = 120.0  # hang: seconds without an answer (unless the harness releases it sooner)


@dataclass
class _Trigger:
    remaining: int  # calls to let pass before the one that gets the fate
    fate: Fate
    window: float  # seconds the same fault goes on after it struck (refuse, hang, drop_*)
    hook: Callable[[Seen], None] | None
    struck_at: float | None = None
    label: str | None = None  # only calls with this label count, if set


class FaultProxy:
    def __init__(self, upstream: str, *, slow_by: float = 5.0) -> None:
        host, _, port = upstream.removeprefix("http://").rstrip("/").partition(":")
        self.upstream = (host, int(port))
        self.slow_by = slow_by
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._mode: Fate = "pass"
        self._trigger: _Trigger | None = None
        self._listener: socket.socket | None = None
        self._refuse_until = 0.0
        self._stopped = threading.Event()
        self._release = threading.Event()
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> str:
        self._listen()
        threading.Thread(target=self._accept_loop, daemon=True, name="fault-proxy").start()
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._stopped.set()
        self._release.set()
        self._close_listener()

    # -- what the harness switches -----------------------------------------------------------------------------

    def set_mode(self, mode: Fate) -> None:
        """Every call from now on gets this fate (pass: back to normal; refuse: the port refuses connections)."""
        with self._lock:
            self._mode = mode
            self._release.clear() if mode == "hang" else self._release.set()
        if mode == "refuse":
            self._close_listener()
        elif self._listener is None and not self._stopped.is_set():
            self._listen()

    def trigger(self, after: int, fate: Fate, *, window: float = 0.0, hook: Callable[[Seen], None] | None = None,
                label: str | None = None) -> None:
        """Let `after` calls pass, give the next one `fate`, keep that fault on for `window` seconds."""
        with self._lock:
            self._trigger = _Trigger(after, fate, window, hook, label=label)
            self._release.clear()

    def struck(self) -> bool:
        with self._lock:
            return self._trigger is not None and self._trigger.struck_at is not None

    def clear(self) -> None:
        with self._lock:
            self._trigger = None
            self._mode = "pass"
            self._release.set()
        if self._listener is None and not self._stopped.is_set():
            self._listen()

    def calls_since(self, index: int) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.index >= index and "." in s.label]

    def mark(self) -> int:
        with self._lock:
            return len(self.seen)

    # -- the work --------------------------------------------------------------------------------------------

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._listener = sock

    def _close_listener(self) -> None:
        sock, self._listener = self._listener, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            sock = self._listener
            if sock is None:
                if self._refuse_until and time.monotonic() >= self._refuse_until and self._mode != "refuse":
                    self._refuse_until = 0.0
                    self._listen()
                time.sleep(0.02)
                continue
            try:
                sock.settimeout(0.2)
                client, _ = sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                time.sleep(0.02)
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            with client:
                client.settimeout(60)
                request = _read_request(client)
                if request is None:
                    return
                seen = self._fate_of(_label(request))
                self._apply(seen, client, request)
        except OSError:
            pass

    def _fate_of(self, label: str) -> Seen:
        hook = None
        with self._lock:
            fate: Fate = self._mode
            trig = self._trigger
            counted = "." in label and (trig is None or trig.label is None or trig.label == label)
            if trig is not None and counted:
                if trig.struck_at is None:
                    if trig.remaining == 0:
                        trig.struck_at = time.monotonic()
                        fate, hook = trig.fate, trig.hook
                    else:
                        trig.remaining -= 1
                elif trig.fate in FAULTS and time.monotonic() - trig.struck_at < trig.window:
                    fate = trig.fate
            seen = Seen(len(self.seen), label, fate)
            if fate == "hang" and trig is not None and trig.struck_at is not None:
                seen.hold = max(0.0, trig.window - (time.monotonic() - trig.struck_at))
            self.seen.append(seen)
        if hook is not None and fate == "kill_before":
            hook(seen)
        if fate == "refuse" and trig is not None:
            self._refuse_until = time.monotonic() + trig.window
            self._close_listener()
        return seen

    def _apply(self, seen: Seen, client: socket.socket, request: bytes) -> None:
        fate = seen.fate
        if fate in ("refuse", "drop_request", "kill_before"):
            _reset(client)
            return
        if fate == "hang":
            self._release.wait(timeout=seen.hold)
            return
        if fate == "slow":
            time.sleep(self.slow_by)
        answer = self._forward(request)
        if fate == "kill_after":
            trig = self._trigger
            if trig is not None and trig.hook is not None:
                trig.hook(seen)
            _reset(client)
            return
        if fate == "drop_answer" or answer is None:
            _reset(client)
            return
        try:
            client.sendall(answer)
        except OSError:
            pass

    def _forward(self, request: bytes) -> bytes | None:
        try:
            with socket.create_connection(self.upstream, timeout=60) as upstream:
                upstream.sendall(_close_after(request))
                chunks = []
                while chunk := upstream.recv(65536):
                    chunks.append(chunk)
                return b"".join(chunks)
        except OSError:
            return None


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _label(request: bytes) -> str:
    """`model.method` of a JSON-RPC call (both Odoo RPC shapes), else the request path."""
    head, _, body = request.partition(b"\r\n\r\n")
    path = head.split(b" ", 2)[1].decode(errors="replace") if b" " in head else "?"
    try:
        params = json.loads(body or b"{}").get("params") or {}
    except ValueError:
        return path
    if "model" in params and "method" in params:
        return f"{params['model']}.{params['method']}"
    args = params.get("args") or []
    if params.get("service") == "object" and len(args) >= 5:
        return f"{args[3]}.{args[4]}"
    return path


def _close_after(request: bytes) -> bytes:
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _reset(conn: socket.socket) -> None:
    """Close with RST: the client sees the connection reset, as when a server dies or a firewall drops it."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
