"""The act path as Odoo sees it: the calls one approve click makes (authorize, verify, marker look-up, write), found by
watching a clean click through the proxy; and how a trial on it is judged."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from proof.world import ENDED, Replica, World, approver_for


WRITE_METHODS = ("create", "write", "message_post", "unlink")


@dataclass(frozen=True)
class Point:
    """The n-th call with this label after the click (labels, not positions: an identity cache may skip calls)."""

    label: str
    nth: int

    def __str__(self) -> str:
        return f"{self.label}#{self.nth + 1}"

    @property
    def writes(self) -> bool:
        return self.label.rsplit(".", 1)[-1] in WRITE_METHODS


class Proposals:
    """Pending proposals of one action type, handed out once each."""

    def __init__(self, world: World, action: str) -> None:
        self.world, self.action = world, action
        self.used: set[str] = set()

    def next(self) -> Any:
        for proposal in self.world.store().list_proposals(status="pending", agent="approval_watcher"):
            if proposal.action == self.action and proposal.id not in self.used:
                self.used.add(proposal.id)
                return proposal
        raise RuntimeError(f"no pending {self.action} proposal left: raise the sandbox's waiting orders")


def actions_pending(world: World) -> list[str]:
    counts = Counter(p.action for p in world.store().list_proposals(status="pending", agent="approval_watcher"))
    return [action for action, n in counts.most_common() if n >= 3]


@dataclass
class Path:
    points: list[Point]
    decided_at: int  # index in `points` of the first call made after the decision was recorded

    @property
    def after_decision(self) -> Point:
        return self.points[min(self.decided_at, len(self.points) - 1)]


def survey(world: World, replica: Replica, proposal: Any, uids: dict[str, int]) -> Path:
    """Click Approve with no fault and list the Odoo calls up to the end: the points a fault or a kill aims at.
    The store is watched meanwhile, to know which call is the first after the decision was recorded."""
    start = world.proxy.mark()
    store = world.store()
    decided_mark: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set() and not decided_mark:
            current = store.get(proposal.id)
            if current is not None and current.status != "pending":
                decided_mark.append(world.proxy.mark())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    world.click(replica, proposal.id, approver_for(proposal.subject_user_id, uids))
    status = world.wait_ended([proposal.id], timeout=60, aging=False)[proposal.id]
    stop.set()
    watcher.join()
    if status != "executed":
        raise RuntimeError(f"a clean approval ended {status}: the act path cannot be surveyed")
    time.sleep(0.5)
    seen: Counter[str] = Counter()
    points, decided_at = [], 0
    for call in world.proxy.calls_since(start):
        if decided_mark and call.index < decided_mark[0]:
            decided_at = len(points) + 1
        points.append(Point(call.label, seen[call.label]))
        seen[call.label] += 1
    return Path(points, decided_at)


def judge(world: World, gateway: Any, proposal_id: str, status: str) -> str | None:
    """None when the approved action was carried out exactly once, else what went wrong (one short line)."""
    marks = world.marks(gateway, proposal_id)
    if marks > 1:
        return f"duplicated: {marks} writes"
    if status not in ENDED:
        return f"stuck {status} ({marks} writes)"
    if status == "executed" and marks == 1:
        return None
    if status == "executed":
        return "executed with no write in Odoo"
    return f"lost: ended {status} with {marks} write{'s' if marks != 1 else ''}"
