"""events.ordinal: a client-assigned order number (RUFUS num_passing), indexed per session.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("ordinal", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_events_ordinal", ["session_pk", "ordinal"], unique=False)
        batch_op.create_index("ix_events_tenant_time", ["tenant_pk", "occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_tenant_time")
        batch_op.drop_index("ix_events_ordinal")
        batch_op.drop_column("ordinal")
