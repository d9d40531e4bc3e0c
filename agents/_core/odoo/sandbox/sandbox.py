"""The Sandbox: an in-memory Odoo 19 served over HTTP, plus direct Python access for tests and benchmarks."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from types import TracebackType
from typing import Any, Mapping

from . import bulk, bulk_moves, bulk_supply, methods, seed_base, seed_demo
from .clock import SandboxClock
from .models import REGISTRY
from .server import DB_NAME, SandboxHTTPServer
from .store import Store

_log = logging.getLogger(__name__)


class ModelProxy:
    """`sb.env("purchase.order")`: the model's methods with RPC semantics, called in-process."""

    def __init__(self, sandbox: "Sandbox", model: str, uid: int) -> None:
        self._sandbox = sandbox
        self._model = model
        self._uid = uid

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self._sandbox.store.lock:
            return methods.call(self._sandbox.store, self._uid, self._model, method, args, kwargs)

    def search_read(self, domain: Any = (), fields: list[str] | None = None, offset: int = 0,
                    limit: int | None = None, order: str | None = None) -> list[dict[str, Any]]:
        return self._call("search_read", list(domain), fields, offset, limit, order)

    def search(self, domain: Any = (), offset: int = 0, limit: int | None = None,
               order: str | None = None) -> list[int]:
        return self._call("search", list(domain), offset, limit, order)

    def search_count(self, domain: Any = ()) -> int:
        return self._call("search_count", list(domain))

    def read(self, ids: Any, fields: list[str] | None = None) -> list[dict[str, Any]]:
        return self._call("read", ids, fields)

    def create(self, vals: Any) -> Any:
        return self._call("create", vals)

    def write(self, ids: Any, vals: Mapping[str, Any]) -> bool:
        return self._call("write", ids, dict(vals))

    def unlink(self, ids: Any) -> bool:
        return self._call("unlink", ids)

    def message_post(self, res_id: int, *, body: str = "", message_type: str = "comment",
                     subtype_xmlid: str = "mail.mt_note", **kwargs: Any) -> list[int]:
        return self._call("message_post", [res_id], body=body, message_type=message_type,
                          subtype_xmlid=subtype_xmlid, **kwargs)

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self._call(method, *args, **kwargs)

    def __repr__(self) -> str:
        return f"ModelProxy({self._model!r}, uid={self._uid})"


class Sandbox:
    """A fake Odoo 19 that the real odoorpc client (and the gateway on top of it) can talk to."""

    db_name = DB_NAME

    def __init__(self, *, clock: SandboxClock | None = None, seed: bool = True) -> None:
        self.clock = clock or SandboxClock()
        self.store = Store(REGISTRY, self.clock)
        with self.store.lock:
            seed_base.install(self.store)
            if seed:
                seed_demo.install(self.store)
        self._calls_lock = threading.Lock()
        self._rpc_calls = 0
        self.requests: Counter[str] = Counter()  # HTTP requests served, by path: which endpoints a client used
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self.url: str | None = None

    # ----- serving ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            raise RuntimeError(f"sandbox already serving at {self.url}")
        self._server = SandboxHTTPServer((host, port), self)
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        # A short poll keeps stop() fast: shutdown() waits for the loop to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="odoo-sandbox", daemon=True)
        self._thread.start()
        _log.debug("Odoo sandbox serving at %s (db %r)", self.url, self.db_name)
        return self.url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def rpc_calls(self) -> int:
        """Object calls served over HTTP (execute, execute_kw, JSON-2): what batching tests count."""
        return self._rpc_calls

    def count_request(self, path: str) -> None:
        with self._calls_lock:
            self.requests[path] += 1

    def count_call(self) -> None:
        with self._calls_lock:
            self._rpc_calls += 1

    # ----- direct access ---------------------------------------------------------------------

    def env(self, model: str, *, uid: int = seed_base.ADMIN_UID) -> ModelProxy:
        return ModelProxy(self, model, uid)

    def add_bulk_purchase_orders(self, n: int, *, state_mix: Mapping[str, float] | None = None) -> None:
        with self.store.lock:
            bulk.add_purchase_orders(self.store, n, state_mix=state_mix)

    def add_bulk_moves(self, n: int = 50_000, **options: Any) -> dict[str, int]:
        """A year of bills, claims and patient invoices (see bulk_moves.add_moves); returns the rows added per model."""
        with self.store.lock:
            return bulk_moves.add_moves(self.store, n, **options)

    def add_bulk_supply(self, products: int = 20_000, warehouses: int = 3, **options: Any) -> dict[str, int]:
        """Clinic supplies at scale (see bulk_supply.add_supply); returns the rows added per model."""
        with self.store.lock:
            return bulk_supply.add_supply(self.store, products, warehouses, **options)

    # ----- authentication (the server calls these under the store lock) ---------------------

    def authenticate(self, login: Any, password: Any) -> int | None:
        for uid, user in self.store.rows("res.users").items():
            if user.get("login") == login and user.get("active", True):
                return uid if self.store.passwords.get(uid) == password else None
        return None

    def check_password(self, uid: Any, password: Any) -> bool:
        user = self.store.row("res.users", uid) if isinstance(uid, int) else None
        return bool(user and user.get("active", True) and self.store.passwords.get(uid) == password)

    def uid_for_api_key(self, key: str) -> int | None:
        """JSON-2 bearer keys: in the sandbox a user's password doubles as their API key."""
        return next((uid for uid, secret in self.store.passwords.items()
                     if key and secret == key and self.check_password(uid, key)), None)
