"""Notifications that reach people: deliveries per channel (the source of truth for what is still
to send), each person's channels, quiet hours and digest, SMS answer codes, and the signatures of
inbound SMS already handled. Bookings remember that their keeper was asked on the day.

Revision ID: 0012_notification_delivery
Revises: 0011_surveys
"""
import sqlalchemy as sa
from alembic import op

from pb.phones import normalise_phone


# revision identifiers, used by Alembic.
revision = '0012_notification_delivery'
down_revision = '0011_surveys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_inbound_seen',
    sa.Column('signature_hash', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('signature_hash', name=op.f('pk_sms_inbound_seen'))
    )
    op.create_table('notification_channel_choice',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('sms', sa.Boolean(), nullable=False),
    sa.CheckConstraint("category IN ('votes', 'moderation', 'payouts', 'bookings', 'projects')", name=op.f('ck_notification_channel_choice_known_category')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_channel_choice_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', 'category', name=op.f('pk_notification_channel_choice'))
    )
    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiet_from', sa.Integer(), nullable=False),
    sa.Column('quiet_until', sa.Integer(), nullable=False),
    sa.Column('daily_digest', sa.Boolean(), nullable=False),
    sa.Column('weekly_summary', sa.Boolean(), nullable=False),
    sa.Column('sms_stopped_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('quiet_from BETWEEN 0 AND 23', name=op.f('ck_notification_settings_quiet_from_hour')),
    sa.CheckConstraint('quiet_until BETWEEN 0 AND 23', name=op.f('ck_notification_settings_quiet_until_hour')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_settings_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings'))
    )
    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('digest_key', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_notification_delivery_known_channel')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'dead', 'held', 'in_digest', 'skipped')", name=op.f('ck_notification_delivery_known_status')),
    sa.ForeignKeyConstraint(['digest_id'], ['notification_delivery.id'], name=op.f('fk_notification_delivery_digest_id_notification_delivery')),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_notification_delivery_notification_id_notification')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_delivery_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_delivery')),
    sa.UniqueConstraint('digest_key', name=op.f('uq_notification_delivery_digest_key')),
    sa.UniqueConstraint('notification_id', 'channel', name='uq_delivery_notification_channel')
    )
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_status_due', ['status', 'not_before'], unique=False)
        batch_op.create_index('ix_delivery_user', ['user_id'], unique=False)

    op.create_table('sms_answer_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['notification_delivery.id'], name=op.f('fk_sms_answer_code_delivery_id_notification_delivery')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sms_answer_code_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_answer_code')),
    sa.UniqueConstraint('delivery_id', name=op.f('uq_sms_answer_code_delivery_id'))
    )
    with op.batch_alter_table('sms_answer_code', schema=None) as batch_op:
        batch_op.create_index('ix_sms_answer_code_phone_code', ['phone', 'code'], unique=False)

    with op.batch_alter_table('lending_booking', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('handover_asked', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('return_asked', sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_action', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('answer_subject_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('once_key', sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_notification_once_key'), ['once_key'])

    # Phone numbers in one form (+4791234567), so that an SMS answer finds its sender.
    users = sa.table("user_account", sa.column("id", sa.Integer), sa.column("phone", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.phone).where(users.c.phone.isnot(None)))
    for user_id, phone in rows.all():
        normalised = normalise_phone(phone)
        if normalised and normalised != phone:
            connection.execute(users.update().where(users.c.id == user_id).values(phone=normalised))



def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notification_once_key'), type_='unique')
        batch_op.drop_column('once_key')
        batch_op.drop_column('answer_subject_id')
        batch_op.drop_column('answer_action')

    with op.batch_alter_table('lending_booking', schema=None) as batch_op:
        batch_op.drop_column('return_asked')
        batch_op.drop_column('handover_asked')

    with op.batch_alter_table('sms_answer_code', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_answer_code_phone_code')

    op.drop_table('sms_answer_code')
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_user')
        batch_op.drop_index('ix_delivery_status_due')

    op.drop_table('notification_delivery')
    op.drop_table('notification_settings')
    op.drop_table('notification_channel_choice')
    op.drop_table('sms_inbound_seen')
