"""First-use fixes: a round's money is earmarked in the ledger, and a round chooses whether
proposals nobody voted for may be bought. Also the table of members' reports of a wrong word.

Existing rounds get their earmark now: an open round its whole amount, a published one the cost
of its winners that still wait for a decision. Each is one balanced transaction from "available"
to "earmarked", named after the round. Where the pot has less available than that (two rounds
promised the same money, the very fault this fixes), only what is there is earmarked, and
`flask --app pb check-ledger` reports the rest.

Revision ID: 0008_first_use
Revises: 0007_security_review
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008_first_use"
down_revision = "0007_security_review"
branch_labels = None
depends_on = None

OLD_ACCOUNTS = "account IN ('funding', 'available', 'reserved', 'paid')"
NEW_ACCOUNTS = "account IN ('funding', 'available', 'earmarked', 'reserved', 'paid')"


def upgrade():
    op.create_table(
        "word_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("better", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user_account.id"], name=op.f("fk_word_report_reporter_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_report")),
    )
    op.create_index(op.f("ix_word_report_reporter_id"), "word_report", ["reporter_id"], unique=False)
    with op.batch_alter_table("budget_round") as batch_op:
        batch_op.add_column(
            sa.Column("complete_unvoted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A plain ADD COLUMN with its reference, not a batch copy: on SQLite a copy of
    # ledger_transaction would have to drop a table that every ledger entry points to.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE ledger_transaction ADD COLUMN budget_round_id INTEGER "
            "CONSTRAINT fk_ledger_transaction_budget_round_id_budget_round "
            "REFERENCES budget_round (id)"
        )
    else:
        op.add_column(
            "ledger_transaction",
            sa.Column(
                "budget_round_id",
                sa.Integer(),
                sa.ForeignKey(
                    "budget_round.id",
                    name=op.f("fk_ledger_transaction_budget_round_id_budget_round"),
                ),
                nullable=True,
            ),
        )
    op.create_index(
        op.f("ix_ledger_transaction_budget_round_id"),
        "ledger_transaction",
        ["budget_round_id"],
        unique=False,
    )
    with op.batch_alter_table("ledger_entry") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ledger_entry_known_account"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_ledger_entry_known_account"), NEW_ACCOUNTS)
    earmark_existing_rounds()


def earmark_existing_rounds():
    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    transactions = sa.table(
        "ledger_transaction",
        sa.column("id", sa.Integer),
        sa.column("pot_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("memo", sa.String),
        sa.column("created_by_id", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("budget_round_id", sa.Integer),
    )
    entries = sa.table(
        "ledger_entry",
        sa.column("transaction_id", sa.Integer),
        sa.column("pot_id", sa.Integer),
        sa.column("account", sa.String),
        sa.column("amount_ore", sa.BigInteger),
    )
    rounds = connection.execute(
        sa.text(
            "SELECT r.id, r.title, r.amount_ore, r.created_by_id, p.id AS pot_id, "
            "rr.published_at FROM budget_round r "
            "JOIN pot p ON p.group_id = r.group_id "
            "LEFT JOIN round_result rr ON rr.round_id = r.id ORDER BY r.id"
        )
    ).all()
    for row in rounds:
        if row.published_at is None:
            wanted = row.amount_ore
        else:
            wanted = connection.execute(
                sa.text(
                    "SELECT COALESCE(SUM(pr.amount_ore), 0) FROM payout_request pr "
                    "JOIN proposal p ON p.id = pr.source_proposal_id "
                    "WHERE p.round_id = :round AND pr.state = 'requested'"
                ),
                {"round": row.id},
            ).scalar()
        available = connection.execute(
            sa.text("SELECT available_ore FROM pot WHERE id = :pot"), {"pot": row.pot_id}
        ).scalar()
        amount = min(int(wanted), int(available))
        if amount <= 0:
            continue
        transaction_id = connection.execute(
            transactions.insert()
            .values(
                pot_id=row.pot_id,
                kind="earmark",
                memo=(row.title or "")[:200],
                created_by_id=row.created_by_id,
                created_at=now,
                budget_round_id=row.id,
            )
            .returning(transactions.c.id)
        ).scalar()
        connection.execute(
            entries.insert(),
            [
                {
                    "transaction_id": transaction_id,
                    "pot_id": row.pot_id,
                    "account": "available",
                    "amount_ore": -amount,
                },
                {
                    "transaction_id": transaction_id,
                    "pot_id": row.pot_id,
                    "account": "earmarked",
                    "amount_ore": amount,
                },
            ],
        )
        connection.execute(
            sa.text("UPDATE pot SET available_ore = available_ore - :amount WHERE id = :pot"),
            {"amount": amount, "pot": row.pot_id},
        )


def downgrade():
    # Give every earmark back to "available", then drop the account.
    connection = op.get_bind()
    held = connection.execute(
        sa.text(
            "SELECT pot_id, SUM(amount_ore) FROM ledger_entry WHERE account = 'earmarked' "
            "GROUP BY pot_id"
        )
    ).all()
    for pot_id, amount in held:
        connection.execute(
            sa.text("UPDATE pot SET available_ore = available_ore + :amount WHERE id = :pot"),
            {"amount": amount, "pot": pot_id},
        )
    connection.execute(
        sa.text("UPDATE ledger_entry SET account = 'available' WHERE account = 'earmarked'")
    )
    with op.batch_alter_table("ledger_entry") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ledger_entry_known_account"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_ledger_entry_known_account"), OLD_ACCOUNTS)
    op.drop_index(op.f("ix_ledger_transaction_budget_round_id"), table_name="ledger_transaction")
    if connection.dialect.name == "postgresql":
        op.drop_constraint(
            op.f("fk_ledger_transaction_budget_round_id_budget_round"),
            "ledger_transaction",
            type_="foreignkey",
        )
    # SQLite (3.35+) drops a column that only references another table.
    op.drop_column("ledger_transaction", "budget_round_id")
    with op.batch_alter_table("budget_round") as batch_op:
        batch_op.drop_column("complete_unvoted")
    op.drop_index(op.f("ix_word_report_reporter_id"), table_name="word_report")
    op.drop_table("word_report")
