"""Queue snapshots per rule and scan (digest trends, /metrics gauges); findings per rule on each run."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a revision must not change when state/tables.py does.
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queue_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agent", sa.String(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", TS, nullable=False),
        sa.Column("open_items", sa.Integer(), nullable=False),
        sa.Column("stalled_items", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Integer(), nullable=True),
        sa.Column("age_p50", sa.Float(), nullable=True),
        sa.Column("age_p90", sa.Float(), nullable=True),
        sa.Column("age_max", sa.Float(), nullable=True),
        sa.Column("oldest", sa.JSON(), nullable=False),
    )
    op.create_index("ix_queue_snapshot_agent", "queue_snapshot", ["agent"])
    op.create_index("ix_queue_snapshot_taken_at", "queue_snapshot", ["taken_at"])
    # Nullable: the runs recorded before this revision have no per-rule counts, and keep none.
    op.add_column("agent_run", sa.Column("found", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agent_run") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("found")
    op.drop_index("ix_queue_snapshot_taken_at", "queue_snapshot")
    op.drop_index("ix_queue_snapshot_agent", "queue_snapshot")
    op.drop_table("queue_snapshot")
