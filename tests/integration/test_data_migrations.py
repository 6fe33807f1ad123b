"""Migrations that change existing data, on SQLite and PostgreSQL.

0007 makes the one change ever made to existing audit events: member-written text moves out of
the append-only log into notes that deletion can blank; staff's reasons stay; the move is itself
logged; and the log is append-only again afterwards. 0008 earmarks the money of existing rounds.
"""

import json
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pb.extensions import db
from tests.conftest import make_test_app


def test_member_text_moves_out_of_the_log_and_staff_text_stays(empty_database_url):
    from flask_migrate import upgrade

    app = make_test_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0006_collective_payouts")
        now = datetime(2026, 11, 1, 12, 0)
        with db.engine.begin() as connection:
            run = connection.execute
            run(
                text("INSERT INTO programme (id, name, created_at) VALUES (1, 'P', :now)"),
                {"now": now},
            )
            run(
                text(
                    'INSERT INTO "group" (id, programme_id, name, description, created_at) '
                    "VALUES (1, 1, 'G', '', :now)"
                ),
                {"now": now},
            )
            for user_id, name in ((1, "staff"), (2, "peer")):
                run(
                    text(
                        "INSERT INTO user_account (id, username, display_name, password_hash, "
                        "session_token, is_demo, created_at) "
                        "VALUES (:id, :name, :name, '!', 'x', false, :now)"
                    ),
                    {"id": user_id, "name": name, "now": now},
                )
            for user_id, role in ((1, "staff"), (2, "peer")):
                run(
                    text(
                        "INSERT INTO membership (group_id, user_id, role, joined_at) "
                        "VALUES (1, :id, :role, :now)"
                    ),
                    {"id": user_id, "role": role, "now": now},
                )
            events = [
                (2, "comment.restored", "The peer's own words", {}),
                (1, "case.decided", "Staff's decision", {"outcome": "hidden"}),
                (2, "proposal.created", None, {"title": "A member's title", "cost": 5}),
                (None, "comment.auto_hidden", None, {"reports": 3}),
            ]
            for actor, action, reason, details in events:
                run(
                    text(
                        "INSERT INTO audit_event (created_at, actor_id, group_id, action, "
                        "reason, details) VALUES (:now, :actor, 1, :action, :reason, :details)"
                    ),
                    {
                        "now": now,
                        "actor": actor,
                        "action": action,
                        "reason": reason,
                        "details": json.dumps(details),
                    },
                )
        upgrade(revision="heads")
        with db.engine.begin() as connection:
            rows = {
                row.action: row
                for row in connection.execute(
                    text("SELECT id, action, reason, details FROM audit_event ORDER BY id")
                )
            }
            notes = connection.execute(
                text("SELECT event_id, author_id, text FROM audit_note")
            ).all()

        def details(action):
            value = rows[action].details
            return json.loads(value) if isinstance(value, str) else value

        restored = rows["comment.restored"]
        assert restored.reason is None
        assert [tuple(n) for n in notes] == [(restored.id, 2, "The peer's own words")]
        assert rows["case.decided"].reason == "Staff's decision"
        assert details("case.decided") == {"outcome": "hidden"}
        assert details("proposal.created") == {"cost": 5}
        assert details("comment.auto_hidden") == {"reports": 3}
        assert details("audit.member_text_moved")["events_changed"] == 2
        assert details("audit.member_text_moved")["reasons_moved_to_notes"] == 1
        # Append-only again.
        with pytest.raises(DBAPIError), db.engine.begin() as connection:
            connection.execute(text("UPDATE audit_event SET reason = 'x'"))
        with pytest.raises(DBAPIError), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_event"))
        db.engine.dispose()


def test_existing_rounds_get_their_money_earmarked(empty_database_url):
    """Migration 0008: a round opened before earmarks existed gets its amount set aside, in one
    balanced transaction, and the books check out afterwards."""
    from flask_migrate import upgrade

    from pb.payouts.services import balances, ledger_problems, pot_for_group

    app = make_test_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0007_security_review")
        now = datetime(2026, 11, 1, 12, 0)
        with db.engine.begin() as connection:
            run = connection.execute
            run(text("INSERT INTO programme (name, created_at) VALUES ('P', :now)"), {"now": now})
            run(
                text(
                    'INSERT INTO "group" (programme_id, name, description, created_at) '
                    "SELECT id, 'G', '', :now FROM programme"
                ),
                {"now": now},
            )
            run(
                text(
                    "INSERT INTO user_account (username, display_name, password_hash, "
                    "session_token, is_demo, created_at) VALUES ('s', 'S', '!', 'x', false, :now)"
                ),
                {"now": now},
            )
            run(
                text(
                    "INSERT INTO pot (group_id, available_ore, created_at) SELECT id, 100000, :now "
                    'FROM "group"'
                ),
                {"now": now},
            )
            run(
                text(
                    "INSERT INTO ledger_transaction (pot_id, kind, memo, created_by_id, "
                    "created_at) SELECT pot.id, 'allocation', 'Kommunen', u.id, :now "
                    "FROM pot, user_account u"
                ),
                {"now": now},
            )
            for account, amount in (("funding", -100000), ("available", 100000)):
                run(
                    text(
                        "INSERT INTO ledger_entry (transaction_id, pot_id, account, amount_ore) "
                        "SELECT t.id, t.pot_id, :account, :amount FROM ledger_transaction t"
                    ),
                    {"account": account, "amount": amount},
                )
            run(
                text(
                    "INSERT INTO budget_round (group_id, title, amount_ore, languages, "
                    "ideas_start_at, review_starts_at, voting_starts_at, voting_ends_at, "
                    "followup_starts_at, ballot_format, counting_rule, proposal_limit, "
                    "report_threshold, created_by_id, created_at) "
                    "SELECT g.id, 'Sommer', 30000, '[\"nb\"]', :now, :now, :now, :later, :later, "
                    "'approval', 'mes', 3, 3, u.id, :now FROM \"group\" g, user_account u"
                ),
                {"now": now, "later": datetime(2027, 1, 1)},
            )
        upgrade(revision="heads")
        from pb.groups.models import Group

        group = db.session.scalar(__import__("sqlalchemy").select(Group))
        pot = pot_for_group(group)
        assert balances(pot).earmarked == 30000 and pot.available_ore == 70000
        assert ledger_problems() == []
        db.session.remove()
        db.engine.dispose()
