"""What version each Odoo server runs, learned without logging in and without /jsonrpc, and remembered per process.

Odoo 19 answers GET /web/version; 17 and 18 do not (404) but answer POST /web/webclient/version_info, the route odoorpc
itself asks. The transports remember what they learn here, so links to records know the server's URL style for free.
"""

from __future__ import annotations

import threading
import time

import httpx

from agents._core.odoo.errors import OdooProtocolError, OdooUnavailable

REMEMBER_SECONDS = 600.0
_TRANSIENT = {502, 503, 504}  # an upgrade in place is noticed within ten minutes

_lock = threading.Lock()
_known: dict[str, tuple[str, float]] = {}  # base URL -> (server version, when learned)


def _key(url: str) -> str:
    return url.rstrip("/")


def remember(url: str, version: str) -> None:
    with _lock:
        _known[_key(url)] = (version, time.monotonic())


def known(url: str) -> str | None:
    with _lock:
        found = _known.get(_key(url))
    if found is None or time.monotonic() - found[1] > REMEMBER_SECONDS:
        return None
    return found[0]


def probe(connection: str, url: str, *, timeout: float, client: httpx.Client | None = None) -> str:
    """The server's version (remembered for REMEMBER_SECONDS); raises OdooUnavailable when the server cannot be reached."""
    if (version := known(url)) is not None:
        return version
    base = _key(url)
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        answer = http.get(f"{base}/web/version")
        if answer.status_code in _TRANSIENT:
            raise OdooUnavailable(connection, f"HTTP {answer.status_code} from {base}")
        if answer.status_code == 200:
            version = str(answer.json()["version"])
        else:  # before 19 (404), or a proxy that only lets Odoo's JSON routes through: the route every version has
            legacy = http.post(f"{base}/web/webclient/version_info",
                               json={"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1})
            if legacy.status_code != 200:
                raise OdooProtocolError(connection, f"{base} did not tell its version (HTTP {answer.status_code}, "
                                                    f"then {legacy.status_code}): is this an Odoo server?")
            version = str(legacy.json()["result"]["server_version"])
    except httpx.TimeoutException:
        raise OdooUnavailable(connection, f"no answer from {base} within {timeout:g}s") from None
    except httpx.TransportError as exc:
        raise OdooUnavailable(connection, f"cannot reach {base}: {exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise OdooProtocolError(connection, f"{base} did not tell its version: {exc!r}") from None
    finally:
        if own:
            http.close()
    remember(url, version)
    return version
