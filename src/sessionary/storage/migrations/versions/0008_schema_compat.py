"""schema_compat: which code may serve each applied revision (README "Upgrading")

Each migration's row is written by the migration environment (storage/schema_compat.py) as it
is applied; this one's too, since the table exists by the time its row is written.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None
compatible_with_previous = True  # a new table that older code never reads


def upgrade() -> None:
    op.create_table(
        "schema_compat",
        sa.Column("revision", sa.String(length=32), nullable=False),
        sa.Column("compatible_with_previous", sa.Boolean(), nullable=False),
        sa.Column("oldest_reader", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("revision", name=op.f("pk_schema_compat")),
    )


def downgrade() -> None:
    op.drop_table("schema_compat")
