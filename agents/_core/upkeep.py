"""State that looks after itself: old checkpoints and snapshots pruned on the settings' schedule, and this replica's
heartbeat (the policies it has in force) for /healthz. Both are steps of `run`'s housekeeping."""

from __future__ import annotations

import logging
from datetime import timedelta

from agents._core.services import REPLICA, Services
from state.replicas import forget_silent_replicas, record_heartbeat
from state.retention import Pruned, prune

log = logging.getLogger(__name__)

SILENT_REPLICA = timedelta(days=1)  # a replica not heard from for this long has stopped: its row is dropped


def prune_state(services: Services) -> Pruned:
    """Forget what the retention setting lets go of; the audit trail is never pruned. Audited, so an archive can
    tell a pruned checkpoint from a lost one."""
    days = services.settings.retention_days
    if days <= 0:
        return Pruned()
    now = services.clock()
    pruned = prune(services.store.db, before=now - timedelta(days=days))
    forget_silent_replicas(services.store.db, before=now - SILENT_REPLICA)
    if pruned.total():
        services.audit.append("state.pruned", actor="system:retention",
                              data={"older_than_days": days, "checkpoint_threads": pruned.checkpoint_threads,
                                    "snapshots": pruned.snapshots, "run_slots": pruned.run_slots,
                                    "outbox_messages": pruned.outbox_messages})
        log.info("pruned state older than %d days: %s", days, pruned)
    return pruned


def heartbeat(services: Services) -> None:
    """This replica's policies in force (agent -> sha256), for /healthz to compare across replicas."""
    shas = {agent: loaded.sha256 for agent, loaded in services.policies.loaded.items()}
    record_heartbeat(services.store.db, REPLICA, shas, at=services.clock())
