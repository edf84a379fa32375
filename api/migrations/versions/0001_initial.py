"""Initial schema: reviews, reports, uploads, feedback.

Revision ID: 0001
Revises:
Create Date: 2025-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("profile", sa.String(16), nullable=False),
        sa.Column("sector_hint", sa.String(64), nullable=True),
        sa.Column("sector", sa.String(64), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("max_severity", sa.String(16), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("schema_version", sa.String(16), nullable=False),
    )
    op.create_index("ix_reviews_id", "reviews", ["id"], unique=True)
    op.create_index("ix_reviews_owner", "reviews", ["owner"])
    op.create_index("ix_reviews_sector", "reviews", ["sector"])
    op.create_index("ix_reviews_verdict", "reviews", ["verdict"])
    op.create_table(
        "reports",
        sa.Column("review_id", sa.String(32), sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("report_json", sa.Text(), nullable=False),
    )
    op.create_table(
        "uploads",
        sa.Column("review_id", sa.String(32), sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("review_id", sa.String(32), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("finding_id", sa.String(16), nullable=False),
        sa.Column("clause_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("review_id", "finding_id", name="uq_feedback_finding"),
    )
    op.create_index("ix_feedback_review_id", "feedback", ["review_id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("uploads")
    op.drop_table("reports")
    op.drop_index("ix_reviews_verdict", "reviews")
    op.drop_index("ix_reviews_sector", "reviews")
    op.drop_index("ix_reviews_owner", "reviews")
    op.drop_index("ix_reviews_id", "reviews")
    op.drop_table("reviews")
