"""The proof's result rows and the one table printed at the end (markdown, so it pastes into a README or an issue)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    id: str  # R1 … R10, with the variant: "R2 postgres"
    claim: str  # what must hold, in figures
    seed: int
    tried: int = 0
    failed: int = 0
    seconds: float = 0.0
    why: list[str] = field(default_factory=list)  # one line per kind of failure, with a count or an example
    error: str | None = None  # the scenario itself could not run: counts as a failure

    def fail(self, reason: str, count: int = 1) -> None:
        self.failed += count
        if reason not in self.why:
            self.why.append(reason)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.error is None and self.tried > 0


def render(rows: list[Row], *, mode: str) -> str:
    lines = [f"| row | claim | tried | failed | seed | seconds | notes ({mode}) |", "|---|---|---:|---:|---:|---:|---|"]
    for row in rows:
        notes = row.error or "; ".join(row.why[:3]) + (f" (+{len(row.why) - 3} more)" if len(row.why) > 3 else "")
        lines.append(f"| {row.id} | {row.claim} | {row.tried} | {row.failed if row.error is None else 'ERROR'} | "
                     f"{row.seed} | {row.seconds:.0f} | {_cell(notes) or 'ok'} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:400]
