"""The lending library: items kept at custodians' homes, bookings that never overlap, waitlists,
hand-overs, damage reports, messages, calendar feeds and the swap shelf.

On PostgreSQL an exclusion constraint (btree_gist) makes overlapping bookings of one item
impossible: the days an item is away, buffer included, of every booking that holds days. SQLite
has no such constraint; there the booking service checks under the database's write lock.

Revision ID: 0009_lending
Revises: 0008_first_use
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_lending"
down_revision = "0008_first_use"
branch_labels = None
depends_on = None

HOLDING = "('offered', 'requested', 'confirmed', 'picked_up', 'returned')"


def _user(column: str, nullable: bool = True) -> sa.Column:
    return sa.Column(column, sa.Integer(), sa.ForeignKey("user_account.id"), nullable=nullable)


def _photo_columns() -> list[sa.Column]:
    return [
        sa.Column("photo_name", sa.String(80), nullable=True),
        sa.Column("thumbnail_name", sa.String(80), nullable=True),
    ]


def upgrade():
    op.execute('ALTER TABLE "group" ADD COLUMN lending_limit INTEGER NOT NULL DEFAULT 2')
    op.create_table(
        "lending_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id"), nullable=False),
        sa.Column("code", sa.String(8), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        *_photo_columns(),
        _user("custodian_id"),
        sa.Column(
            "custodian_household_id", sa.Integer(), sa.ForeignKey("household.id"), nullable=True
        ),
        sa.Column("custodian_shares_phone", sa.Boolean(), nullable=False),
        sa.Column("pickup_instructions", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(20), nullable=False),
        sa.Column("insurance_note", sa.Text(), nullable=False),
        sa.Column("condition", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("maintenance_until", sa.Date(), nullable=True),
        sa.Column("max_loan_days", sa.Integer(), nullable=False),
        sa.Column("buffer_days", sa.Integer(), nullable=False),
        sa.Column("auto_confirm", sa.Boolean(), nullable=False),
        sa.Column("payout_id", sa.Integer(), sa.ForeignKey("payout_request.id"), nullable=True),
        _user("created_by_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "category IN ('water', 'bikes', 'camping', 'sports', 'tools', 'other')",
            name="category",
        ),
        sa.CheckConstraint("owner IN ('group', 'parents', 'municipality')", name="owner"),
        sa.CheckConstraint("condition IN ('good', 'worn', 'needs_repair')", name="condition"),
        sa.CheckConstraint(
            "status IN ('available', 'maintenance', 'lost', 'retired')", name="status"
        ),
        sa.CheckConstraint("max_loan_days BETWEEN 1 AND 60", name="max_loan_days"),
        sa.CheckConstraint("buffer_days BETWEEN 0 AND 14", name="buffer_days"),
    )
    op.create_index("ix_lending_item_group_id", "lending_item", ["group_id"])
    op.create_index("ix_lending_item_custodian_id", "lending_item", ["custodian_id"])
    op.create_table(
        "lending_waitlist",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("lending_item.id"), nullable=False),
        _user("borrower_id"),
        sa.Column("household_id", sa.Integer(), sa.ForeignKey("household.id"), nullable=True),
        sa.Column("party", sa.String(20), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'lapsed', 'left')", name="status"
        ),
        sa.CheckConstraint("end_on >= start_on", name="days_in_order"),
    )
    op.create_index("ix_lending_waitlist_item_id", "lending_waitlist", ["item_id"])
    op.create_index("ix_lending_waitlist_borrower_id", "lending_waitlist", ["borrower_id"])
    op.create_table(
        "lending_booking",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("lending_item.id"), nullable=False),
        _user("borrower_id"),
        sa.Column("household_id", sa.Integer(), sa.ForeignKey("household.id"), nullable=True),
        sa.Column("party", sa.String(20), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("blocks_from", sa.Date(), nullable=False),
        sa.Column("blocks_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("custodian_message", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.String(20), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(), nullable=True),
        sa.Column(
            "waitlist_entry_id", sa.Integer(), sa.ForeignKey("lending_waitlist.id"), nullable=True
        ),
        sa.Column("idempotency_key", sa.String(64), nullable=True, unique=True),
        sa.Column("pickup_reminded", sa.Boolean(), nullable=False),
        sa.Column("return_reminded", sa.Boolean(), nullable=False),
        sa.Column("late_flagged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('offered', 'requested', 'confirmed', 'picked_up', 'returned', "
            "'declined', 'cancelled', 'lapsed')",
            name="status",
        ),
        sa.CheckConstraint("end_on >= start_on", name="days_in_order"),
        sa.CheckConstraint("blocks_until >= blocks_from", name="blocks_in_order"),
    )
    op.create_index(
        "ix_lending_booking_item_blocks",
        "lending_booking",
        ["item_id", "blocks_from", "blocks_until"],
    )
    op.create_index("ix_lending_booking_borrower_id", "lending_booking", ["borrower_id"])
    op.create_index("ix_lending_booking_household_id", "lending_booking", ["household_id"])
    op.create_index("ix_lending_booking_party", "lending_booking", ["party"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE lending_booking ADD CONSTRAINT ex_lending_booking_no_overlap "
            "EXCLUDE USING gist (item_id WITH =, daterange(blocks_from, blocks_until, '[]') WITH &&) "
            f"WHERE (status IN {HOLDING})"
        )
    op.create_table(
        "lending_handover",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("lending_booking.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("condition", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_photo_columns(),
        _user("recorded_by_id"),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('pickup', 'return')", name="kind"),
        sa.CheckConstraint("condition IN ('good', 'worn', 'needs_repair')", name="condition"),
    )
    op.create_index("ix_lending_handover_booking_id", "lending_handover", ["booking_id"])
    op.create_table(
        "lending_damage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("lending_item.id"), nullable=False),
        _user("reporter_id"),
        sa.Column("note", sa.Text(), nullable=False),
        *_photo_columns(),
        sa.Column("repair_until", sa.Date(), nullable=False),
        sa.Column("cancelled_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_lending_damage_item_id", "lending_damage", ["item_id"])
    op.create_index("ix_lending_damage_reporter_id", "lending_damage", ["reporter_id"])
    op.create_table(
        "lending_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("lending_booking.id"), nullable=False),
        _user("author_id"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_lending_message_booking_id", "lending_message", ["booking_id"])
    op.create_index("ix_lending_message_author_id", "lending_message", ["author_id"])
    op.create_table(
        "lending_calendar_feed",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("user_id", nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "lending_swap_post",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id"), nullable=False),
        _user("author_id"),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("size_or_age", sa.String(40), nullable=False),
        *_photo_columns(),
        sa.Column("status", sa.String(20), nullable=False),
        _user("reserved_by_id"),
        sa.Column("reserved_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('give', 'swap')", name="kind"),
        sa.CheckConstraint(
            "status IN ('open', 'reserved', 'handed_over', 'expired', 'withdrawn')", name="status"
        ),
    )
    op.create_index("ix_lending_swap_post_group_id", "lending_swap_post", ["group_id"])
    op.create_index("ix_lending_swap_post_author_id", "lending_swap_post", ["author_id"])


def downgrade():
    for table in (
        "lending_swap_post",
        "lending_calendar_feed",
        "lending_message",
        "lending_damage",
        "lending_handover",
        "lending_booking",
        "lending_waitlist",
        "lending_item",
    ):
        op.drop_table(table)
    with op.batch_alter_table("group") as batch_op:
        batch_op.drop_column("lending_limit")
