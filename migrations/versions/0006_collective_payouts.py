"""Join the payouts and voting branches: a winning proposal becomes at most one payout request.

The unique key makes the database refuse a second collective request for the same proposal, so
two staff publishing the same results at once cannot double a payout.

Revision ID: 0006_collective_payouts
Revises: 0004_payouts, 0005_voting
"""

from alembic import op

revision = "0006_collective_payouts"
down_revision = ("0004_payouts", "0005_voting")
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payout_request", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_payout_request_source_proposal_id"), ["source_proposal_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payout_request_source_proposal_id_proposal"),
            "proposal",
            ["source_proposal_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("payout_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payout_request_source_proposal_id_proposal"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_payout_request_source_proposal_id"), type_="unique"
        )
