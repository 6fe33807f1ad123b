"""A pot's payouts by state: the pot and programme pages count those waiting for a decision.

Revision ID: 0014_payout_pot_index
Revises: 0013_indexes
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_payout_pot_index'
down_revision = '0013_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payout_request', schema=None) as batch_op:
        batch_op.create_index('ix_payout_request_pot_id_state', ['pot_id', 'state'], unique=False)


def downgrade():
    with op.batch_alter_table('payout_request', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_request_pot_id_state')
