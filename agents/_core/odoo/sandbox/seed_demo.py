"""The demo network (seed=True): a multi-site outpatient group on Odoo, all dates relative to the clock."""
from __future__ import annotations

import random

from . import seed_billing, seed_finance, seed_network, seed_purchases, seed_supply
from .store import Store

SEED = 20261125  # fixed: the same clock gives the same data


def install(store: Store) -> None:
    demo = seed_network.Demo(store=store, now=store.clock.now(), rng=random.Random(SEED))
    seed_network.install(demo)
    queue = seed_purchases.install(demo)
    seed_finance.install(demo, queue)
    seed_billing.install(demo)
    seed_supply.install(demo)
    demo.run()
