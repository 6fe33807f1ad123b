"""Peer-led projects: leaders, funding payouts, activities with head counts and photos with
consent, stories of change with translations, and the kind of peer work on a membership.

Revision ID: 0010_projects
Revises: 0009_lending
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_projects"
down_revision = "0009_lending"
branch_labels = None
depends_on = None

CONSENTS = "('none', 'group', 'programme', 'public')"


def _user(column: str) -> sa.Column:
    return sa.Column(column, sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True)


def upgrade():
    with op.batch_alter_table("membership") as batch_op:
        batch_op.add_column(sa.Column("peer_kind", sa.String(20), nullable=True))
        batch_op.create_check_constraint(
            "peer_kind",
            "peer_kind IS NULL OR peer_kind IN"
            " ('paid', 'volunteer', 'youth_mediator', 'street_mediator')",
        )
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id"), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("result_goals", sa.Text(), nullable=False),
        sa.Column("effect_goals", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        _user("created_by_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('planned', 'running', 'finished')", name="status"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_in_order"),
    )
    op.create_index("ix_project_group_id", "project", ["group_id"])
    op.create_table(
        "project_leader",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), primary_key=True),
    )
    op.create_table(
        "project_payout",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), primary_key=True),
        sa.Column("payout_id", sa.Integer(), sa.ForeignKey("payout_request.id"), primary_key=True),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("place", sa.String(120), nullable=False),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("youth", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("volunteer_minutes", sa.Integer(), nullable=False),
        sa.Column("cost_ore", sa.BigInteger(), nullable=False),
        sa.Column("payout_id", sa.Integer(), sa.ForeignKey("payout_request.id"), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        _user("logged_by_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('meal', 'trip', 'course', 'meeting', 'mediation', 'sport', 'other')",
            name="kind",
        ),
        sa.CheckConstraint(
            "adults BETWEEN 0 AND 1000 AND youth BETWEEN 0 AND 1000"
            " AND children BETWEEN 0 AND 1000",
            name="heads",
        ),
        sa.CheckConstraint("volunteer_minutes BETWEEN 0 AND 60000", name="volunteer_minutes"),
        sa.CheckConstraint("cost_ore >= 0", name="cost_not_negative"),
    )
    op.create_index("ix_activity_project_day", "activity", ["project_id", "happened_on"])
    op.create_table(
        "activity_photo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("photo_name", sa.String(80), nullable=False),
        sa.Column("thumbnail_name", sa.String(80), nullable=False),
        sa.Column("consent", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"consent IN {CONSENTS}", name="consent"),
    )
    op.create_index("ix_activity_photo_activity_id", "activity_photo", ["activity_id"])
    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=True),
        _user("author_id"),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("photo_name", sa.String(80), nullable=True),
        sa.Column("thumbnail_name", sa.String(80), nullable=True),
        sa.Column("photo_consent", sa.String(10), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decline_reason", sa.String(500), nullable=False),
        _user("decided_by_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("visibility IN ('group', 'programme', 'public')", name="visibility"),
        sa.CheckConstraint(
            "status IN ('submitted', 'published', 'declined', 'withdrawn')", name="status"
        ),
        sa.CheckConstraint(
            f"photo_consent IS NULL OR photo_consent IN {CONSENTS}", name="photo_consent"
        ),
    )
    op.create_index("ix_story_group_status", "story", ["group_id", "status"])
    op.create_table(
        "story_translation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("story_id", sa.Integer(), sa.ForeignKey("story.id"), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _user("translated_by_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("story_id", "language"),
    )


def downgrade():
    for table in (
        "story_translation",
        "story",
        "activity_photo",
        "activity",
        "project_payout",
        "project_leader",
        "project",
    ):
        op.drop_table(table)
    with op.batch_alter_table("membership") as batch_op:
        batch_op.drop_constraint("peer_kind", type_="check")
        batch_op.drop_column("peer_kind")
