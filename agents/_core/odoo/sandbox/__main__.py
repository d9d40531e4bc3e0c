"""`python -m agents._core.odoo.sandbox --port 8069`: serve the seeded sandbox Odoo in the foreground."""
from __future__ import annotations

import argparse
import logging

from .serve import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m agents._core.odoo.sandbox",
                                     description="Serve the in-memory sandbox Odoo 19 (JSON-RPC and JSON-2).")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8069, help="port to listen on (default 8069; 0 picks one)")
    parser.add_argument("--empty", action="store_true", help="base data only, without the demo network")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(args.host, args.port, seed=not args.empty)


if __name__ == "__main__":
    main()
