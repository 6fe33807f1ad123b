"""Pulse surveys: waves sent to a group, the questions each asks, anonymous answer counts, and
the "has answered" flags that stop a second answer.

survey_answer_count and survey_respondent have no id and no time, and nothing leads from one
to the other. On SQLite they are WITHOUT ROWID tables, so no hidden row number keeps the order
in which the flags were written.

Revision ID: 0011_surveys
Revises: 0010_projects
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_surveys"
down_revision = "0010_projects"
branch_labels = None
depends_on = None

ANSWERS = "('1', '2', '3', '4', '5', 'dont_know')"


def upgrade():
    op.create_table(
        "survey_wave",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id"), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("closes_on >= opens_on", name="days_in_order"),
    )
    op.create_index("ix_survey_wave_group_id", "survey_wave", ["group_id"])
    op.create_table(
        "survey_wave_question",
        sa.Column("wave_id", sa.Integer(), sa.ForeignKey("survey_wave.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("question_key", sa.String(40), nullable=False),
        sa.UniqueConstraint("wave_id", "question_key"),
        sa.CheckConstraint("position >= 0", name="position"),
    )
    op.create_table(
        "survey_answer_count",
        sa.Column("wave_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("question_key", sa.String(40), primary_key=True),
        sa.Column("answer", sa.String(10), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id", "question_key"],
            ["survey_wave_question.wave_id", "survey_wave_question.question_key"],
        ),
        sa.CheckConstraint(f"answer IN {ANSWERS}", name="answer"),
        sa.CheckConstraint("count >= 0", name="count"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "survey_respondent",
        sa.Column(
            "wave_id",
            sa.Integer(),
            sa.ForeignKey("survey_wave.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_survey_respondent_user_id", "survey_respondent", ["user_id"])


def downgrade():
    op.drop_index("ix_survey_respondent_user_id", table_name="survey_respondent")
    op.drop_table("survey_respondent")
    op.drop_table("survey_answer_count")
    op.drop_table("survey_wave_question")
    op.drop_index("ix_survey_wave_group_id", table_name="survey_wave")
    op.drop_table("survey_wave")
