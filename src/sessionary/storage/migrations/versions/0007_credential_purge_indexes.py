"""indexes for the sweeper's purge of spent dialect credentials, and per-holder caps

Revoked session keys and game tokens, and expired bearer tokens, are deleted after a grace
period in bounded batches; two partial indexes find them without reading every credential.
A Pagos client keeps at most N live tokens (named after it); the third index finds them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:40:00.000000
"""

from __future__ import annotations

from sessionary.storage.migrations.ops import create_index, drop_index

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
compatible_with_previous = True  # indexes only


def upgrade() -> None:
    for column in ("revoked_at", "expires_at"):
        name = "ix_credentials_revoked" if column == "revoked_at" else "ix_credentials_expires"
        create_index(name, "credentials", [column], where=f"{column} IS NOT NULL")

    create_index("ix_credentials_named", "credentials", ["tenant_pk", "kind", "name"])


def downgrade() -> None:
    for name in ("ix_credentials_named", "ix_credentials_expires", "ix_credentials_revoked"):
        drop_index(name, "credentials")
