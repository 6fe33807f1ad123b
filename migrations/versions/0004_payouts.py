"""payout requests, approval tiers, payment plans, complaints; ledger transactions name their payout

Revision ID: 0004_payouts
Revises: 0003_notifications
Create Date: 2026-11-22 16:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_payouts"
down_revision = "0003_notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approval_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('tier2_from_ore', sa.BigInteger(), nullable=False),
    sa.Column('tier3_above_ore', sa.BigInteger(), nullable=False),
    sa.Column('team_min_approvers', sa.Integer(), nullable=False),
    sa.Column('self_approval_in_lowest_tier', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('team_min_approvers >= 2', name=op.f('ck_approval_policy_team_at_least_two')),
    sa.CheckConstraint('tier2_from_ore > 0', name=op.f('ck_approval_policy_tier2_positive')),
    sa.CheckConstraint('tier3_above_ore >= tier2_from_ore', name=op.f('ck_approval_policy_tiers_in_order')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_approval_policy_programme_id_programme')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_approval_policy_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_policy')),
    sa.UniqueConstraint('programme_id', name=op.f('uq_approval_policy_programme_id'))
    )
    op.create_table('payout_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('pot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('amount_ore', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=True),
    sa.Column('payment_method', sa.String(length=20), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('source_proposal_id', sa.Integer(), nullable=True),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('decision_round', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('per_child_ore', sa.BigInteger(), nullable=True),
    sa.Column('children_count', sa.Integer(), nullable=True),
    sa.Column('monthly_ore', sa.BigInteger(), nullable=True),
    sa.Column('plan_starts_on', sa.Date(), nullable=True),
    sa.Column('plan_ends_on', sa.Date(), nullable=True),
    sa.Column('payment_day', sa.Integer(), nullable=True),
    sa.Column('reminded_3m_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_1m_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("category IS NULL OR category IN ('sports_shop', 'groceries', 'electronics', 'furniture', 'toys_gear', 'tickets', 'travel_home', 'debt', 'housing_deposit', 'driving_licence')", name=op.f('ck_payout_request_known_category')),
    sa.CheckConstraint("kind IN ('collective', 'conditional', 'unconditional')", name=op.f('ck_payout_request_known_kind')),
    sa.CheckConstraint("payment_method IS NULL OR payment_method IN ('bank_transfer', 'gift_card', 'vendor_invoice')", name=op.f('ck_payout_request_known_method')),
    sa.CheckConstraint("state IN ('draft', 'requested', 'approved', 'paid', 'rejected', 'cancelled')", name=op.f('ck_payout_request_known_state')),
    sa.CheckConstraint('amount_ore > 0', name=op.f('ck_payout_request_amount_positive')),
    sa.CheckConstraint('payment_day IS NULL OR payment_day BETWEEN 1 AND 28', name=op.f('ck_payout_request_payment_day_in_month')),
    sa.CheckConstraint('plan_ends_on IS NULL OR plan_ends_on >= plan_starts_on', name=op.f('ck_payout_request_plan_period_in_order')),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['user_account.id'], name=op.f('fk_payout_request_drafted_by_id_user_account')),
    sa.ForeignKeyConstraint(['group_id'], ['group.id'], name=op.f('fk_payout_request_group_id_group')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_payout_request_household_id_household')),
    sa.ForeignKeyConstraint(['pot_id'], ['pot.id'], name=op.f('fk_payout_request_pot_id_pot')),
    sa.ForeignKeyConstraint(['recipient_id'], ['user_account.id'], name=op.f('fk_payout_request_recipient_id_user_account')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_payout_request_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_request')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payout_request_idempotency_key'))
    )
    with op.batch_alter_table('payout_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_request_group_id'), ['group_id'], unique=False)

    op.create_table('payout_complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('open', 'upheld', 'dismissed')", name=op.f('ck_payout_complaint_known_state')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_payout_complaint_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_payout_complaint_filed_by_id_user_account')),
    sa.ForeignKeyConstraint(['handler_id'], ['user_account.id'], name=op.f('fk_payout_complaint_handler_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['payout_request.id'], name=op.f('fk_payout_complaint_request_id_payout_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_complaint')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payout_complaint_idempotency_key'))
    )
    with op.batch_alter_table('payout_complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_complaint_request_id'), ['request_id'], unique=False)

    op.create_table('payout_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reason_translation', sa.Text(), nullable=True),
    sa.Column('translation_locale', sa.String(length=8), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("verdict IN ('approve', 'reject')", name=op.f('ck_payout_decision_known_verdict')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_payout_decision_actor_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['payout_request.id'], name=op.f('fk_payout_decision_request_id_payout_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_decision')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payout_decision_idempotency_key')),
    sa.UniqueConstraint('request_id', 'round', 'actor_id', name=op.f('uq_payout_decision_request_id_round_actor_id'))
    )
    with op.batch_alter_table('payout_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_decision_request_id'), ['request_id'], unique=False)

    op.create_table('plan_installment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_ore', sa.BigInteger(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_ore > 0', name=op.f('ck_plan_installment_amount_positive')),
    sa.ForeignKeyConstraint(['request_id'], ['payout_request.id'], name=op.f('fk_plan_installment_request_id_payout_request')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transaction.id'], name=op.f('fk_plan_installment_transaction_id_ledger_transaction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_installment')),
    sa.UniqueConstraint('request_id', 'due_on', name=op.f('uq_plan_installment_request_id_due_on')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_plan_installment_transaction_id'))
    )
    op.create_table('payout_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['payout_request.id'], name=op.f('fk_payout_receipt_request_id_payout_request')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_payout_receipt_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_receipt')),
    sa.UniqueConstraint('request_id', name=op.f('uq_payout_receipt_request_id'))
    )
    with op.batch_alter_table('ledger_transaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_request_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_transaction_payout_request_id'), ['payout_request_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ledger_transaction_payout_request_id_payout_request'), 'payout_request', ['payout_request_id'], ['id'])


def downgrade():
    with op.batch_alter_table('ledger_transaction', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ledger_transaction_payout_request_id_payout_request'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ledger_transaction_payout_request_id'))
        batch_op.drop_column('payout_request_id')

    op.drop_table('payout_receipt')
    op.drop_table('plan_installment')
    with op.batch_alter_table('payout_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_decision_request_id'))

    op.drop_table('payout_decision')
    with op.batch_alter_table('payout_complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_complaint_request_id'))

    op.drop_table('payout_complaint')
    with op.batch_alter_table('payout_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_request_group_id'))

    op.drop_table('payout_request')
    op.drop_table('approval_policy')
