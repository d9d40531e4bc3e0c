"""The decision on the proposal row (what recovery resumes from), attempts after an unknown Odoo outcome, and the lease
of the process carrying a decision out."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

# Rows decided before this revision: their decision follows from their status.
_BACKFILL = """
UPDATE proposal SET decision = CASE
    WHEN status IN ('approved', 'executing', 'executed', 'failed', 'superseded') THEN 'approve'
    WHEN status = 'rejected' THEN 'reject'
    WHEN status = 'expired' THEN 'expire'
    WHEN status = 'snoozed' THEN 'snooze'
END
WHERE decision IS NULL AND status NOT IN ('pending', 'shadow')
"""


def upgrade() -> None:
    with op.batch_alter_table("proposal") as batch:
        batch.add_column(sa.Column("decision", sa.String(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", TS, nullable=True))
        batch.add_column(sa.Column("lease_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("lease_until", TS, nullable=True))
    op.execute(_BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("proposal") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_by")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
        batch.drop_column("decision")
