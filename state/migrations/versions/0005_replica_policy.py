"""Replica heartbeats: the policy sha256 each running replica has in force (/healthz compares them)."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replica_policy",
        sa.Column("replica", sa.String(), primary_key=True),
        sa.Column("agent", sa.String(), primary_key=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_replica_policy_seen_at", "replica_policy", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_replica_policy_seen_at", table_name="replica_policy")
    op.drop_table("replica_policy")
