"""events.ordinal: a client-assigned order number (RUFUS num_passing), indexed per session.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sessionary.storage.migrations.ops import create_index, drop_index

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
compatible_with_previous = True  # a nullable column and two indexes


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("ordinal", sa.BigInteger(), nullable=True))
    create_index("ix_events_ordinal", "events", ["session_pk", "ordinal"])
    create_index("ix_events_tenant_time", "events", ["tenant_pk", "occurred_at"])


def downgrade() -> None:
    drop_index("ix_events_tenant_time", "events")
    drop_index("ix_events_ordinal", "events")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("ordinal")
