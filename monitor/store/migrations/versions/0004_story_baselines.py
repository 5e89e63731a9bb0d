"""story baselines

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.types

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "story_baselines",
        sa.Column("story", sa.String(length=100), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("built_at", monitor.store.types.UTCDateTime(), nullable=False),
        sa.Column("learning_until", monitor.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("story", name=op.f("pk_story_baselines")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("story_baselines")
