"""indexes for the sweeper's purge of spent dialect credentials, and per-holder caps

Revoked session keys and game tokens, and expired bearer tokens, are deleted after a grace
period in bounded batches; two partial indexes find them without reading every credential.
A Pagos client keeps at most N live tokens (named after it); the third index finds them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ("revoked_at", "expires_at"):
        name = "ix_credentials_revoked" if column == "revoked_at" else "ix_credentials_expires"
        op.create_index(
            name,
            "credentials",
            [column],
            unique=False,
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
        )

    op.create_index(
        "ix_credentials_named", "credentials", ["tenant_pk", "kind", "name"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_credentials_named", table_name="credentials")
    op.drop_index("ix_credentials_expires", table_name="credentials")
    op.drop_index("ix_credentials_revoked", table_name="credentials")
