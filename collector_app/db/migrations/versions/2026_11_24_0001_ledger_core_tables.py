"""ledger core tables

Revision ID: 0001
Revises:
Create Date: 2026-11-24 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector_app.db.base import UTCDateTime

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('firm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tax_id', sa.String(length=32), nullable=True),
    sa.Column('registration_no', sa.String(length=32), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postal_code', sa.String(length=16), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('contact_person', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firm'))
    )
    op.create_table('segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment')),
    sa.UniqueConstraint('name', name=op.f('uq_segment_name'))
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('login', name=op.f('uq_user_login'))
    )
    op.create_table('contractor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('tax_id', sa.String(length=32), nullable=True),
    sa.Column('tax_key', sa.String(length=32), nullable=True),
    sa.Column('registration_no', sa.String(length=32), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postal_code', sa.String(length=16), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('preferred_channel', sa.String(length=10), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=True),
    sa.Column('credit_limit', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('collector_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('pause_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['collector_id'], ['user.id'], name=op.f('fk_contractor_collector_id_user')),
    sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], name=op.f('fk_contractor_segment_id_segment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor'))
    )
    with op.batch_alter_table('contractor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_collector_id'), ['collector_id'], unique=False)
        batch_op.create_index('ix_contractor_name', ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_contractor_segment_id'), ['segment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contractor_tax_key'), ['tax_key'], unique=False)

    op.create_table('contact_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_contact_person_contractor_id_contractor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_person'))
    )
    with op.batch_alter_table('contact_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_person_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('number_key', sa.String(length=64), nullable=False),
    sa.Column('variable_symbol', sa.String(length=20), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('net', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('vat', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('gross', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('paid', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('corrects_invoice_id', sa.Integer(), nullable=True),
    sa.Column('disputed', sa.Boolean(), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('pause_reason', sa.String(length=300), nullable=True),
    sa.Column('handed_over', sa.Boolean(), nullable=False),
    sa.Column('next_action_date', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name=op.f('ck_invoice_kind')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_invoice_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['corrects_invoice_id'], ['invoice.id'], name=op.f('fk_invoice_corrects_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
    sa.UniqueConstraint('kind', 'number', name='uq_invoice_kind_number')
    )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_contractor_due', ['contractor_id', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_corrects_invoice_id'), ['corrects_invoice_id'], unique=False)
        batch_op.create_index('ix_invoice_due_date', ['due_date'], unique=False)
        batch_op.create_index('ix_invoice_gross', ['gross'], unique=False)
        batch_op.create_index('ix_invoice_issue_date', ['issue_date'], unique=False)
        batch_op.create_index('ix_invoice_number', ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_number_key'), ['number_key'], unique=False)
        batch_op.create_index('ix_invoice_open_due', ['due_date', 'id'], unique=False, sqlite_where=sa.text('gross > paid'), postgresql_where=sa.text('gross > paid'))
        batch_op.create_index('ix_invoice_overpaid_due', ['due_date', 'id'], unique=False, sqlite_where=sa.text('gross < paid'), postgresql_where=sa.text('gross < paid'))
        batch_op.create_index('ix_invoice_settled_due', ['due_date', 'id'], unique=False, sqlite_where=sa.text('gross = paid'), postgresql_where=sa.text('gross = paid'))
        batch_op.create_index(batch_op.f('ix_invoice_variable_symbol'), ['variable_symbol'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('allocated', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('payer_name', sa.String(length=300), nullable=True),
    sa.Column('payer_account', sa.String(length=64), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('bank_txn_id', sa.String(length=128), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', UTCDateTime(), nullable=True),
    sa.Column('reversal_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_payment_contractor_id_contractor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('bank_txn_id', name=op.f('uq_payment_bank_txn_id'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_date'), ['date'], unique=False)

    op.create_table('allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint('(payment_id IS NULL) <> (credit_note_id IS NULL)', name=op.f('ck_allocation_one_source')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['invoice.id'], name=op.f('fk_allocation_credit_note_id_invoice')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_allocation_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_allocation_payment_id_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation'))
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_credit_note_id'), ['credit_note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_payment_id'), ['payment_id'], unique=False)

    op.create_table('call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('contact_person_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('started_at', UTCDateTime(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('promise_date', sa.Date(), nullable=True),
    sa.Column('promise_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('promise_currency', sa.String(length=3), nullable=True),
    sa.Column('promise_checked', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint("outcome IN ('reached', 'no-answer', 'promised', 'disputed', 'plan-requested')", name=op.f('ck_call_outcome')),
    sa.ForeignKeyConstraint(['contact_person_id'], ['contact_person.id'], name=op.f('fk_call_contact_person_id_contact_person')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_call_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_call_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_call_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call'))
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_promise_date'), ['promise_date'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_event_contractor_id_contractor'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_event_invoice_id_invoice'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_note_author_id_user')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_note_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_note_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note'))
    )
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('done_at', UTCDateTime(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_task_assignee_id_user')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_task_call_id_call')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_task_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_task_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index('ix_task_open_due', ['due_at'], unique=False, sqlite_where=sa.text('done_at IS NULL'), postgresql_where=sa.text('done_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_open_due', sqlite_where=sa.text('done_at IS NULL'), postgresql_where=sa.text('done_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_task_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_task_contractor_id'))
        batch_op.drop_index(batch_op.f('ix_task_assignee_id'))

    op.drop_table('task')
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_note_contractor_id'))

    op.drop_table('note')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_event_contractor_id'))

    op.drop_table('event')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_promise_date'))
        batch_op.drop_index(batch_op.f('ix_call_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_call_contractor_id'))

    op.drop_table('call')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_credit_note_id'))

    op.drop_table('allocation')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_date'))
        batch_op.drop_index(batch_op.f('ix_payment_contractor_id'))

    op.drop_table('payment')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_variable_symbol'))
        batch_op.drop_index('ix_invoice_settled_due', sqlite_where=sa.text('gross = paid'), postgresql_where=sa.text('gross = paid'))
        batch_op.drop_index('ix_invoice_overpaid_due', sqlite_where=sa.text('gross < paid'), postgresql_where=sa.text('gross < paid'))
        batch_op.drop_index('ix_invoice_open_due', sqlite_where=sa.text('gross > paid'), postgresql_where=sa.text('gross > paid'))
        batch_op.drop_index(batch_op.f('ix_invoice_number_key'))
        batch_op.drop_index('ix_invoice_number')
        batch_op.drop_index('ix_invoice_issue_date')
        batch_op.drop_index('ix_invoice_gross')
        batch_op.drop_index('ix_invoice_due_date')
        batch_op.drop_index(batch_op.f('ix_invoice_corrects_invoice_id'))
        batch_op.drop_index('ix_invoice_contractor_due')

    op.drop_table('invoice')
    with op.batch_alter_table('contact_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_person_contractor_id'))

    op.drop_table('contact_person')
    with op.batch_alter_table('contractor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_tax_key'))
        batch_op.drop_index(batch_op.f('ix_contractor_segment_id'))
        batch_op.drop_index('ix_contractor_name')
        batch_op.drop_index(batch_op.f('ix_contractor_collector_id'))

    op.drop_table('contractor')
    op.drop_table('user')
    op.drop_table('segment')
    op.drop_table('firm')
