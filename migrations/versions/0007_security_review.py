"""The security review's fixes: a session row per log-in, reset codes from the command line,
staff-only visibility decisions, and audit events without member-written text.

The audit log is append-only: triggers refuse UPDATE and DELETE. This migration makes the one
change ever made to existing events. Inside it, and only here, the trigger is lifted; each event
whose reason a member (anyone but the group's staff or the programme's lead) wrote has that reason
moved to an audit_note row, which deleting the account can blank, and proposal and round titles
are taken out of event details (the rows themselves hold them). The change is itself recorded as
an event. Then the trigger is put back.

Revision ID: 0007_security_review
Revises: 0006_collective_payouts
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007_security_review"
down_revision = "0006_collective_payouts"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_event is append-only"
# Detail keys that copied a member's words into an event before this migration.
MEMBER_TEXT_DETAILS = ("title",)


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_user_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)
    op.create_table(
        "audit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"], name=op.f("fk_audit_note_event_id_audit_event")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_audit_note_author_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_note")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_note_event_id")),
    )
    op.create_index(op.f("ix_audit_note_author_id"), "audit_note", ["author_id"], unique=False)
    with op.batch_alter_table("reset_code") as batch_op:
        batch_op.alter_column("created_by_id", existing_type=sa.Integer(), nullable=True)
    for table in ("proposal", "proposal_comment"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "visibility_by_staff", sa.Boolean(), nullable=False, server_default=sa.false()
                )
            )
    move_member_text_out_of_audit_events()


def _staff_voices(connection) -> tuple[set, set, dict]:
    staff = set(
        connection.execute(
            sa.text("SELECT user_id, group_id FROM membership WHERE role = 'staff'")
        ).all()
    )
    leads = set(
        connection.execute(
            sa.text("SELECT user_id, programme_id FROM programme_role WHERE role = 'lead'")
        ).all()
    )
    programme_of = dict(connection.execute(sa.text('SELECT id, programme_id FROM "group"')).all())
    return staff, leads, programme_of


def move_member_text_out_of_audit_events():
    connection = op.get_bind()
    staff, leads, programme_of = _staff_voices(connection)
    events = connection.execute(
        sa.text(
            "SELECT id, actor_id, group_id, reason, details FROM audit_event "
            "WHERE reason IS NOT NULL OR details IS NOT NULL"
        )
    ).all()
    moves = []
    for event_id, actor_id, group_id, reason, details in events:
        details = json.loads(details) if isinstance(details, str) else (details or {})
        is_staff = actor_id is not None and (
            (actor_id, group_id) in staff or (actor_id, programme_of.get(group_id)) in leads
        )
        member_reason = reason if reason and actor_id is not None and not is_staff else None
        kept_details = {k: v for k, v in details.items() if k not in MEMBER_TEXT_DETAILS}
        if member_reason is None and kept_details == details:
            continue
        kept_reason = None if member_reason is not None else reason
        moves.append((event_id, actor_id, member_reason, kept_reason, kept_details))
    if not moves:
        return
    lift_append_only_guard(connection)
    for event_id, actor_id, member_reason, kept_reason, kept_details in moves:
        if member_reason is not None:
            connection.execute(
                sa.text(
                    "INSERT INTO audit_note (event_id, author_id, text) "
                    "VALUES (:event_id, :author_id, :text)"
                ),
                {"event_id": event_id, "author_id": actor_id, "text": member_reason},
            )
        connection.execute(
            sa.text("UPDATE audit_event SET reason = :reason, details = :details WHERE id = :id"),
            {"id": event_id, "reason": kept_reason, "details": json.dumps(kept_details)},
        )
    connection.execute(
        sa.text(
            "INSERT INTO audit_event (created_at, action, details) "
            "VALUES (:at, 'audit.member_text_moved', :details)"
        ),
        {
            "at": datetime.now(UTC).replace(tzinfo=None),
            "details": json.dumps(
                {
                    "events_changed": len(moves),
                    "reasons_moved_to_notes": sum(1 for m in moves if m[2] is not None),
                    "migration": revision,
                }
            ),
        },
    )
    restore_append_only_guard(connection)


def lift_append_only_guard(connection) -> None:
    if connection.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")


def restore_append_only_guard(connection) -> None:
    if connection.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        op.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )


def downgrade():
    # Dropping audit_note drops the members' words with it: they never go back into the log.
    for table in ("proposal_comment", "proposal"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("visibility_by_staff")
    with op.batch_alter_table("reset_code") as batch_op:
        batch_op.alter_column("created_by_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index(op.f("ix_audit_note_author_id"), table_name="audit_note")
    op.drop_table("audit_note")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
