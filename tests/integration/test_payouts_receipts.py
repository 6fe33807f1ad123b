"""A receipt is never required, but one can be attached: kept as clean pixels, seen only by those
who may see the payout."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from pb.extensions import db
from pb.payouts.models import PayoutReceipt
from tests.conftest import csrf_token
from tests.factories import log_in
from tests.integration.test_payouts_pipeline import EN, conditional, family, fund

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 50, 50))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (63.0, 25.0, 0.0)}  # GPS: where the family lives
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_recipient_attaches_a_receipt_without_its_exif(client, world):
    fund(world.group_a, world.lead)
    household = family(world.group_a, world.staff_a, world.member_a)
    request = conditional(world.group_a, world.staff_a, household, 1_000)
    url = f"/groups/{world.group_a.id}/payouts/{request.id}"
    log_in(client, world.member_a)
    response = client.post(
        f"{url}/receipt",
        data={
            "csrf_token": csrf_token(client, url),
            "receipt": (io.BytesIO(photo_with_gps()), "kvittering.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    receipt = db.session.scalar(select(PayoutReceipt))
    with Image.open(io.BytesIO(receipt.image)) as stored:
        assert not stored.getexif()
    served = client.get(f"{url}/receipt.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    outsider = client.application.test_client()
    log_in(outsider, world.peer_a)
    assert outsider.get(f"{url}/receipt.jpg").status_code == 404


def test_a_file_that_is_not_a_photo_is_refused(client, world):
    fund(world.group_a, world.lead)
    household = family(world.group_a, world.staff_a, world.member_a)
    request = conditional(world.group_a, world.staff_a, household, 1_000)
    url = f"/groups/{world.group_a.id}/payouts/{request.id}"
    log_in(client, world.staff_a)
    response = client.post(
        f"{url}/receipt",
        data={
            "csrf_token": csrf_token(client, url),
            "receipt": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.pdf"),
        },
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 200
    assert "JPEG, PNG or WebP" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PayoutReceipt)) == 0
