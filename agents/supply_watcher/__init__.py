"""supply_watcher: medical supplies that will run out, late receipts and vendors whose lead times drift."""

from agents._core.watcher import Watcher
from agents.supply_watcher.policy import POLICY_MODEL
from agents.supply_watcher.rules import detect, models, reads

WATCHER = Watcher(name="supply_watcher", policy_model=POLICY_MODEL, detect=detect, models=models, reads=reads)
