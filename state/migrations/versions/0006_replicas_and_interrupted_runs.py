"""Which replica runs each scan, and each replica's heartbeat: runs a dead process left `running` are closed as
`interrupted` at the next start, without touching a live replica's runs.

Numbered 0005 and revising 0003 for now: another branch adds a 0004; the chain is set straight when both merge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agent_run") as batch:
        batch.add_column(sa.Column("replica", sa.String(), nullable=True))
    op.create_table(
        "replica_heartbeat",
        sa.Column("replica", sa.String(), primary_key=True),
        sa.Column("beat_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("replica_heartbeat")
    with op.batch_alter_table("agent_run") as batch:
        batch.drop_column("replica")
