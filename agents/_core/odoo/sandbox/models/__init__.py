"""The sandbox's model registry: every model it serves, by technical name."""
from __future__ import annotations

from ..schema import Model
from . import account, base, hr, mail, purchase, stock

REGISTRY: dict[str, Model] = {
    model.name: model
    for module in (base, mail, purchase, account, hr, stock)
    for model in module.MODELS
}
