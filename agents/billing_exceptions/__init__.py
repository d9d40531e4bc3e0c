"""billing_exceptions: vendor bills, payer invoices and patient balances that are late, mismatched, duplicated or unreviewed."""

from agents._core.watcher import Watcher
from agents.billing_exceptions.policy import POLICY_MODEL
from agents.billing_exceptions.rules import detect, models, reads

WATCHER = Watcher(name="billing_exceptions", policy_model=POLICY_MODEL, detect=detect, models=models, reads=reads)
