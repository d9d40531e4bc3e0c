"""The sandbox Odoo as the proof's child process: seeded, live clock, plus orders waiting for approval; stdin closed = stop.

Optional injected texts go into the names of the waiting orders and of their vendors (fields the shipped policy
shares), so they reach the drafting prompt as record data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the project root holds `agents`

from agents._core.odoo.sandbox import Sandbox  # noqa: E402

READY = "READY"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--waiting", type=int, default=0, help="extra purchase orders waiting for approval")
    parser.add_argument("--inject", type=Path, help="a JSON list of texts to put into record names")
    args = parser.parse_args(argv)
    sandbox = Sandbox(seed=True)
    if args.waiting:
        sandbox.add_bulk_purchase_orders(args.waiting, state_mix={"to approve": 1.0})
    if args.inject:
        inject(sandbox, json.loads(args.inject.read_text()))
    print(f"{READY} {sandbox.start(port=0)}", flush=True)
    sys.stdin.read()
    sandbox.stop()
    return 0


def inject(sandbox: Sandbox, texts: list[str]) -> None:
    """Texts into the names of orders waiting for approval (one each), the rest into their vendors' names."""
    orders = sandbox.env("purchase.order").search_read([("state", "=", "to approve")], ["id", "name", "partner_id"])
    for order, text in zip(orders, texts):
        sandbox.env("purchase.order").write([order["id"]], {"name": f"{order['name']} {text}"})
    vendors = sorted({o["partner_id"][0] for o in orders if o.get("partner_id")})
    for vendor, text in zip(vendors, texts[len(orders):]):
        sandbox.env("res.partner").write([vendor], {"name": text})


if __name__ == "__main__":
    sys.exit(main())
