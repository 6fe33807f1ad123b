"""Indexes the bench dataset asked for: a person's memberships (read on every request), a
household's members, children and payouts, a pot's transactions, a comment's replies, a
group's households.

Revision ID: 0013_indexes
Revises: 0012_notification_delivery
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_indexes'
down_revision = '0012_notification_delivery'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_household_id'), ['household_id'], unique=False)

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_group_id'), ['group_id'], unique=False)

    with op.batch_alter_table('ledger_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transaction_pot_id'), ['pot_id'], unique=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('payout_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_request_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_request_recipient_id'), ['recipient_id'], unique=False)

    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_comment_parent_id'), ['parent_id'], unique=False)



def downgrade():
    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_comment_parent_id'))

    with op.batch_alter_table('payout_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_request_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_payout_request_household_id'))

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_user_id'))
        batch_op.drop_index(batch_op.f('ix_membership_household_id'))

    with op.batch_alter_table('ledger_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_transaction_pot_id'))

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_group_id'))

    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_household_id'))

