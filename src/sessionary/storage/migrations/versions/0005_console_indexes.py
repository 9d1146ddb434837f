"""console indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

from sessionary.storage.migrations.ops import create_index, drop_index

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
compatible_with_previous = True  # indexes only

_INDEXES = (
    ("ix_subjects_external_id", "subjects", ["external_id"]),
    ("ix_sessions_tenant_pk", "sessions", ["tenant_pk", "pk"]),
    ("ix_sessions_tenant_status", "sessions", ["tenant_pk", "status", "expires_at"]),
    ("ix_sessions_closed", "sessions", ["closed_at", "tenant_pk", "opened_at", "metered"]),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(_INDEXES):
        drop_index(name, table)
