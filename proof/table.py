"""The proof's result rows and the one table printed at the end (markdown, so it pastes into a README or an issue)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Row:
    id: str  # R1 … R10, with the variant: "R2 postgres"
    claim: str  # what must hold, in figures
    seed: int
    tried: int = 0
    failed: int = 0
    seconds: float = 0.0
    why: dict[str, int] = field(default_factory=dict)  # kind of failure -> how many
    examples: dict[str, str] = field(default_factory=dict)  # kind of failure -> its first case (to replay)
    error: str | None = None  # the scenario itself could not run: counts as a failure

    def fail(self, kind: str, example: str = "", count: int = 1) -> None:
        self.failed += count
        self.why[kind] = self.why.get(kind, 0) + count
        if example:
            self.examples.setdefault(kind, example)

    def notes(self) -> list[str]:
        return [f"{kind} ×{n}" + (f" (e.g. {self.examples[kind]})" if kind in self.examples else "")
                for kind, n in self.why.items()]

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.error is None and self.tried > 0


def attempt(row: Row, work: Callable[[Row], None]) -> Row:
    """Run one variant of a row; if the scenario itself breaks, the row says so (an error counts as a failure) and
    the other variants still run."""
    started = time.monotonic()
    try:
        work(row)
    except Exception as exc:  # noqa: BLE001 - reported in the table, with the traceback above it
        traceback.print_exc()
        row.error = f"{type(exc).__name__}: {exc}"[:300]
    row.seconds = time.monotonic() - started
    return row


def render(rows: list[Row], *, mode: str) -> str:
    lines = [f"| row | claim | tried | failed | seed | seconds | notes ({mode}) |", "|---|---|---:|---:|---:|---:|---|"]
    for row in rows:
        notes = row.error or "; ".join(row.notes())
        lines.append(f"| {row.id} | {row.claim} | {row.tried} | {row.failed if row.error is None else 'ERROR'} | "
                     f"{row.seed} | {row.seconds:.0f} | {_cell(notes) or 'ok'} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:700]
