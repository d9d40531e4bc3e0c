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


# What N items means for each agent: orders waiting for approval, moves, products (each in three clinics).
LOADERS = {
    "approval_watcher": lambda sandbox, n: sandbox.add_bulk_purchase_orders(n, state_mix=WAITING),
    "billing_exceptions": lambda sandbox, n: sandbox.add_bulk_moves(n),
    "supply_watcher": lambda sandbox, n: sandbox.add_bulk_supply(products=n, warehouses=3),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a sandbox bulk-loaded with N items of one agent's queue.")
    parser.add_argument("--agent", choices=sorted(LOADERS), default="approval_watcher")
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--now", type=datetime.fromisoformat, required=True, help="the sandbox's fixed clock")
    args = parser.parse_args(argv)
    sandbox = Sandbox(seed=False, clock=SandboxClock(now=args.now))
    LOADERS[args.agent](sandbox, args.items)
    url = sandbox.start(port=0)
    print(f"{READY} {url}", flush=True)
    # Serve until the parent closes our stdin: a parent that dies takes the server down with it.
    sys.stdin.read()
    sandbox.stop()


if __name__ == "__main__":
    main()
