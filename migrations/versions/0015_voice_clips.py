"""Voice clips: peers' recordings of the words that matter most, versioned, approved by a
second person, at most one in use per string and language.

Revision ID: 0015_voice_clips
Revises: 0014_payout_pot_index
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_voice_clips'
down_revision = '0014_payout_pot_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('voice_clip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('msgid', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=80), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('waiting', 'approved', 'replaced', 'rejected', 'withdrawn')", name=op.f('ck_voice_clip_known_state')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_voice_clip_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_voice_clip_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_clip')),
    sa.UniqueConstraint('msgid', 'language', 'version', name='uq_voice_clip_version')
    )
    with op.batch_alter_table('voice_clip', schema=None) as batch_op:
        batch_op.create_index('ix_voice_clip_language_state', ['language', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_voice_clip_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_index('uq_voice_clip_in_use', ['msgid', 'language'], unique=True, sqlite_where=sa.text("state = 'approved'"), postgresql_where=sa.text("state = 'approved'"))



def downgrade():
    with op.batch_alter_table('voice_clip', schema=None) as batch_op:
        batch_op.drop_index('uq_voice_clip_in_use', sqlite_where=sa.text("state = 'approved'"), postgresql_where=sa.text("state = 'approved'"))
        batch_op.drop_index(batch_op.f('ix_voice_clip_recorded_by_id'))
        batch_op.drop_index('ix_voice_clip_language_state')

    op.drop_table('voice_clip')
