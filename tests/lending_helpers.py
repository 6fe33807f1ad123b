"""Items and bookings for the lending tests, made through the real services."""

from datetime import date, timedelta

from pb.lending import services
from pb.timeutil import local_today


def make_item(group, actor, custodian, **fields):
    values = {
        "name": "Padlebrett 1",
        "category": "water",
        "description": "Oppblåsbart brett med åre.",
        "pickup_instructions": "Garasjen bak det gule huset, kode 4321.",
        "max_loan_days": 7,
        "buffer_days": 0,
        "custodian_id": custodian.id,
    }
    values.update(fields)
    return services.create_item(group, actor=actor, **values)


def days_ahead(first: int, last: int | None = None) -> tuple[date, date]:
    today = local_today()
    return today + timedelta(days=first), today + timedelta(days=first if last is None else last)


def book(item, borrower, first: int, last: int | None = None, **extra):
    start, end = days_ahead(first, last)
    return services.request_booking(item, borrower=borrower, start=start, end=end, **extra)
