"""webhooks: the previous signing secret and when it stops signing (secret rotation)

Additive only: both columns are nullable and nothing reads them on older code, so nodes of
the previous release keep serving the same database while the fleet upgrades.

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


def upgrade() -> None:
    # a plain ADD COLUMN on both backends: no table rebuild, no long lock
    op.add_column("webhooks", sa.Column("previous_secret_sealed", sa.String(400), nullable=True))
    op.add_column(
        "webhooks", sa.Column("previous_secret_expires_at", sa.BigInteger(), nullable=True)
    )


def downgrade() -> None:
    # SQLite drops a column by rebuilding the table: batch mode does that
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret_sealed")
