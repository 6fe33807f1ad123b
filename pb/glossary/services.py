"""Members' reports of a wrong word: one transaction each, read by the programme lead."""

from sqlalchemy import select

from pb.audit.services import record
from pb.extensions import db
from pb.glossary.models import WordReport


def report_word(user, *, language: str, word: str, better: str) -> WordReport:
    report = WordReport(
        reporter_id=user.id, language=language, word=word.strip(), better=better.strip()
    )
    db.session.add(report)
    db.session.flush()
    # The member's words stay in the report row, which deleting the account erases.
    record("translation.word_reported", actor=user, subject=report, language=language)
    db.session.commit()
    return report


def latest_reports(limit: int = 200) -> list[WordReport]:
    return list(db.session.scalars(select(WordReport).order_by(WordReport.id.desc()).limit(limit)))


def is_a_programme_lead(user) -> bool:
    return any(role.role == "lead" for role in user.programme_roles)
