"""Test only: the next release's expand migration, applied while this code's server serves.

A nullable column on the busiest table, a new table, and an index built CONCURRENTLY on a
table under load: everything README "Upgrading" allows a compatible migration to do.

Revision ID: u01_expand
Revises: this code's head
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sessionary.storage.migrate import head
from sessionary.storage.migrations.ops import create_index, drop_index

revision = "u01_expand"
down_revision = head()
branch_labels = None
depends_on = None
compatible_with_previous = True


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(sa.Column("upgrade_note", sa.String(length=40), nullable=True))
    op.create_table(
        "upgrade_notes",
        sa.Column("pk", sa.Integer(), primary_key=True),
        sa.Column("note", sa.String(length=40), nullable=False),
    )
    create_index("ix_events_upgrade_probe", "events", ["session_pk", "recorded_at"])


def downgrade() -> None:
    drop_index("ix_events_upgrade_probe", "events")
    op.drop_table("upgrade_notes")
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.drop_column("upgrade_note")
