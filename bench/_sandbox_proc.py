"""A bulk-loaded sandbox Odoo in its own process, so the benchmark's scanner is measured without it."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

# Run as a script (python bench/_sandbox_proc.py): the project root holds the `agents` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents._core.odoo.sandbox import Sandbox, SandboxClock  # noqa: E402

READY = "READY"
WAITING = {"to approve": 1.0}  # every order is an open item waiting for approval, with its tracked state change


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a sandbox with N orders waiting for approval.")
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--now", type=datetime.fromisoformat, required=True, help="the sandbox's fixed clock")
    args = parser.parse_args(argv)
    sandbox = Sandbox(seed=False, clock=SandboxClock(now=args.now))
    sandbox.add_bulk_purchase_orders(args.orders, state_mix=WAITING)
    url = sandbox.start(port=0)
    print(f"{READY} {url}", flush=True)
    # Serve until the parent closes our stdin: a parent that dies takes the server down with it.
    sys.stdin.read()
    sandbox.stop()


if __name__ == "__main__":
    main()
