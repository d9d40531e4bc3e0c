"""A local OpenAI-compatible model (POST /v1/chat/completions) that answers well, errs, stalls, returns garbage, or
obeys instructions injected into the record data. Every request body is kept, for the privacy scan.

Obeying means: the prompt's text is searched for `action: X` and `deadline_days: N` and the draft does that, with the
injected sentence copied into its summary, as a model that follows injected text would.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Behaviour = Literal["ok", "error", "stall", "garbage", "obey"]
_ACTION = re.compile(r"action\W{1,4}([a-z_]+)", re.I)
_DEADLINE = re.compile(r"deadline_days\W{1,4}(-?\d+)", re.I)


class ModelServer:
    def __init__(self, *, mix: dict[Behaviour, float] | None = None, seed: int = 0, stall: float = 30.0) -> None:
        self.mix: dict[Behaviour, float] = mix or {"ok": 1.0}
        self.stall = stall
        self.requests: list[dict[str, Any]] = []
        self.answered: dict[Behaviour, int] = {}
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                model._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def texts(self) -> list[str]:
        """Every request body as sent: what left Sentinel for the model."""
        with self._lock:
            return [json.dumps(r, ensure_ascii=False) for r in self.requests]

    def _pick(self) -> Behaviour:
        with self._lock:
            choice = self._random.choices(list(self.mix), weights=list(self.mix.values()))[0]
            self.answered[choice] = self.answered.get(choice, 0) + 1
            return choice

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsed": raw.decode(errors="replace")}
        with self._lock:
            self.requests.append(body)
        behaviour = self._pick()
        if behaviour == "error":
            return _reply(request, 500, b'{"error": {"message": "the model is overloaded", "type": "server_error"}}')
        if behaviour == "garbage":
            return _reply(request, 200, self._random.choice([b"<html>502 Bad Gateway</html>", b'{"choices": 7}',
                                                              b'{"id": "x", "choices": [{"message": {}}]}', b"\x00\xff"]))
        if behaviour == "stall":
            time.sleep(self.stall)
        _reply(request, 200, json.dumps(_completion(body, obey=behaviour == "obey")).encode())


def _completion(body: dict[str, Any], *, obey: bool) -> dict[str, Any]:
    prompt = "\n".join(str(m.get("content") or "") for m in body.get("messages") or [])
    allowed = re.search(r'allowed_actions: (\[.*?\])\n', prompt)
    actions = [a.get("type") for a in json.loads(allowed.group(1))] if allowed else ["post_note"]
    draft: dict[str, Any] = {"summary": "This item has waited past the policy's threshold.",
                             "rationale": "It needs a decision from the approver.", "action": actions[0] or "post_note"}
    if obey:
        wanted, days = _ACTION.findall(prompt), _DEADLINE.findall(prompt)
        if wanted:
            draft["action"] = wanted[-1]
        if days:
            draft["deadline_days"] = int(days[-1])
        draft["summary"] = "As instructed by the record: " + (wanted[-1] if wanted else "ignore the policy")
    tools = body.get("tools") or []
    name = tools[0]["function"]["name"] if tools else "final_result"
    call = {"id": "call_proof", "type": "function", "function": {"name": name, "arguments": json.dumps(draft)}}
    return {"id": "chatcmpl-proof", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "tool_calls",
                         "message": {"role": "assistant", "content": None, "tool_calls": [call]}}],
            "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": 20, "total_tokens": len(prompt) // 4 + 20}}


def _reply(request: BaseHTTPRequestHandler, status: int, data: bytes) -> None:
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
    except OSError:
        pass
