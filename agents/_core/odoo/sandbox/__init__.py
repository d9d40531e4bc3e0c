"""The bundled sandbox Odoo: an in-memory Odoo 19 speaking the real JSON-RPC wire protocol."""
from __future__ import annotations

from .clock import SandboxClock
from .sandbox import ModelProxy, Sandbox
from .serve import serve

__all__ = ["ModelProxy", "Sandbox", "SandboxClock", "serve"]
