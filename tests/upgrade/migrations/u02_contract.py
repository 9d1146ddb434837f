"""Test only: a contract migration (code older than it must not serve its schema).

Revision ID: u02_contract
Revises: u01_expand
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "u02_contract"
down_revision = "u01_expand"
branch_labels = None
depends_on = None
compatible_with_previous = False


def upgrade() -> None:
    op.drop_table("upgrade_notes")


def downgrade() -> None:
    op.create_table(
        "upgrade_notes",
        sa.Column("pk", sa.Integer(), primary_key=True),
        sa.Column("note", sa.String(length=40), nullable=False),
    )
