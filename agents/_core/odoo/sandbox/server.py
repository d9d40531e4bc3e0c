"""HTTP front of the sandbox: Odoo's JSON-RPC (/jsonrpc, /web/webclient/version_info) and JSON-2 (/json/2/...)."""
from __future__ import annotations

import inspect
import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from . import methods
from .errors import AccessDenied, DatabaseNotFound, MethodNotFound, OdooError, OdooTypeError, internal_error

if TYPE_CHECKING:
    from .sandbox import Sandbox

_log = logging.getLogger(__name__)

DB_NAME = "sandbox"
VERSION_INFO = {
    "server_version": "19.0",
    "server_version_info": [19, 0, 0, "final", 0, ""],
    "server_serie": "19.0",
    "protocol_version": 1,
}


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: "Sandbox") -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        _log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.sandbox.count_request(path)
        if path == "/web/health":
            self._send(200, {"status": "pass"})
        elif path == "/web/version":  # Odoo 19's login-free version route (17 and 18 answer 404)
            self._send(200, {"version_info": VERSION_INFO["server_version_info"], "version": VERSION_INFO["server_version"]})
        else:
            self._send(404, {"error": f"not found: {self.path}"})

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        self.server.sandbox.count_request(path)
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        except (ValueError, UnicodeDecodeError):
            self._send(400, {"jsonrpc": "2.0", "id": None, "error": {
                "code": 400, "message": "Bad Request", "data": {"name": "werkzeug.exceptions.BadRequest",
                                                                "message": "Invalid JSON data"}}})
            return
        if path == "/web/webclient/version_info":
            self._send(200, {"jsonrpc": "2.0", "id": _id(body), "result": VERSION_INFO})
        elif path == "/jsonrpc":
            self._send(200, self._jsonrpc(body))
        elif path.startswith("/json/2/") and path.count("/") == 4:
            _, _, _, model, method = path.split("/")
            self._send(*self._json2(model, method, body))
        else:
            self._send(404, {"error": f"not found: {path}"})

    def _jsonrpc(self, body: Any) -> dict[str, Any]:
        params = body.get("params") if isinstance(body, dict) else None
        params = params if isinstance(params, dict) else {}
        try:
            result = self._dispatch(params.get("service"), params.get("method"), list(params.get("args") or []))
            return {"jsonrpc": "2.0", "id": _id(body), "result": result}
        except OdooError as exc:
            error = exc
        except Exception as exc:  # a sandbox bug must still reach the client in Odoo's error shape
            _log.exception("sandbox failed on %r", params)
            error = internal_error(exc)
        return {"jsonrpc": "2.0", "id": _id(body),
                "error": {"code": 0, "message": "Odoo Server Error", "data": error.data()}}

    def _dispatch(self, service: Any, method: Any, args: list[Any]) -> Any:
        sandbox = self.server.sandbox
        store = sandbox.store
        if service == "common":
            if method == "version":
                return VERSION_INFO
            if method in ("login", "authenticate"):
                db, login, password = (args + [None, None, None])[:3]
                _check_db(db)
                with store.lock:
                    return sandbox.authenticate(login, password) or False
        elif service == "db":
            if method == "list":
                return [DB_NAME]
            if method == "server_version":
                return VERSION_INFO["server_version"]
        elif service == "object" and method in ("execute", "execute_kw"):
            sandbox.count_call()
            if len(args) < 5:
                raise OdooTypeError(f"{method}() takes at least 5 arguments ({len(args)} given)")
            db, uid, password, model, name, *rest = args
            _check_db(db)
            if method == "execute_kw":
                call_args, call_kwargs = (rest + [[], {}])[:2]
            else:
                call_args, call_kwargs = rest, {}
            with store.lock:
                if not sandbox.check_password(uid, password):
                    raise AccessDenied()
                return methods.call(store, uid, model, name, call_args, call_kwargs)
        raise _not_available(service, method)

    def _json2(self, model: str, method: str, body: Any) -> tuple[int, Any]:
        """As Odoo 19's rpc/controllers/json2.py: 401 before anything, 404 for an unknown model or method, 422 when
        the arguments do not bind, then the method's own errors with their HTTP status; records come back as ids."""
        sandbox = self.server.sandbox
        scheme, _, key = (self.headers.get("Authorization") or "").partition(" ")
        database = self.headers.get("X-Odoo-Database")
        sandbox.count_call()
        if database not in (None, DB_NAME):
            return 404, _NO_DATABASE_PAGE  # Odoo finds no database to route to: werkzeug's HTML page, not JSON
        try:
            with sandbox.store.lock:
                uid = sandbox.uid_for_api_key(key) if scheme.lower() == "bearer" else None
                if uid is None:
                    return 401, _http_error("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401)
                if model not in sandbox.store.registry:
                    return 404, _http_error("werkzeug.exceptions.NotFound", f"the model {model!r} does not exist", 404)
                kwargs = dict(body) if isinstance(body, dict) else {}
                ids = kwargs.pop("ids", [])
                try:
                    impl, takes_ids = methods.resolve(sandbox.store.registry[model], method)
                except MethodNotFound as exc:
                    return 404, _http_error("werkzeug.exceptions.NotFound", exc.message, 404)
                if ids and not takes_ids:
                    return 422, _unprocessable(f"cannot call {model}.{method} with ids")
                args = [ids] if takes_ids else []
                try:
                    inspect.signature(impl).bind(None, *args, **{k: v for k, v in kwargs.items() if k != "context"})
                except TypeError as exc:
                    return 422, _unprocessable(str(exc))
                result = methods.call(sandbox.store, uid, model, method, args, kwargs)
                # The controller sends a returned recordset as its ids: create() answers a list even for one dict.
                return 200, [result] if method == "create" and isinstance(result, int) else result
        except OdooError as exc:
            return exc.http_status, exc.data()
        except Exception as exc:
            _log.exception("sandbox failed on /json/2/%s/%s", model, method)
            error = internal_error(exc)
            return error.http_status, error.data()

    def _send(self, status: int, payload: Any) -> None:
        html = isinstance(payload, HtmlPage)
        data = payload.encode() if html else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8" if html else "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _id(body: Any) -> Any:
    return body.get("id") if isinstance(body, dict) else None


def _check_db(db: Any) -> None:
    if db != DB_NAME:
        raise DatabaseNotFound(db)


def _not_available(service: Any, method: Any) -> OdooError:
    # What odoo.service.common.dispatch raises for a name it does not export.
    error = OdooError(f"Method not found: {method}")
    error.odoo_name = "builtins.Exception"
    return error


class HtmlPage(str):
    """A body Odoo sends as HTML, not JSON."""


_NO_DATABASE_PAGE = HtmlPage(
    "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL"
    " was not found in the server-wide controllers.</p>\n"
)


def _unprocessable(message: str) -> dict[str, Any]:
    return _http_error("werkzeug.exceptions.UnprocessableEntity", message, 422)


def _http_error(name: str, message: str, status: int) -> dict[str, Any]:
    return {"name": name, "message": message, "arguments": [message, status], "context": {},
            "debug": f"Traceback (most recent call last):\n  (sandbox)\n{name}: {status}: {message}"}
