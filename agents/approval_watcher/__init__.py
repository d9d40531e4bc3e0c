"""approval_watcher: purchase orders, expenses and any other approval queue that a policy names."""

from agents._core.watcher import Watcher
from agents.approval_watcher.policy import POLICY_MODEL
from agents.approval_watcher.rules import detect, models, reads

WATCHER = Watcher(name="approval_watcher", policy_model=POLICY_MODEL, detect=detect, models=models, reads=reads)
