"""Photos are decoded and re-encoded: no EXIF (no GPS), at most 1600 px, a 400 px thumbnail, and
anything that is not an honest JPEG, PNG or WebP is refused."""

import io

import pytest
from PIL import Image

from pb.proposals.photos import MAX_BYTES, PhotoError, prepare_photo


def encoded(image: Image.Image, fmt: str, **options) -> io.BytesIO:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    out.seek(0)
    return out


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0112] = 6  # Orientation: rotated; the output is turned upright
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (63.0, 25.0, 50.0), 3: "E", 4: (10.0, 23.0, 40.0)})
    return exif


def test_gps_and_every_other_exif_tag_is_stripped_and_the_photo_turned_upright():
    source = encoded(Image.new("RGB", (3000, 2000), "red"), "JPEG", exif=gps_exif())
    with Image.open(source) as check:
        assert check.getexif().get_ifd(0x8825)  # the fixture really has GPS
    source.seek(0)
    photo = prepare_photo(source)
    with Image.open(io.BytesIO(photo.full)) as image:
        assert image.format == "JPEG"
        assert image.size == (1067, 1600)  # turned upright by the orientation tag, then shrunk
        assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"Phone 12" not in photo.full and b"Exif" not in photo.full
    with Image.open(io.BytesIO(photo.thumbnail)) as thumbnail:
        assert max(thumbnail.size) == 400


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_with_transparency_are_accepted(fmt):
    photo = prepare_photo(encoded(Image.new("RGBA", (500, 300), (0, 0, 255, 100)), fmt))
    with Image.open(io.BytesIO(photo.full)) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (500, 300), "RGB")


def test_too_many_bytes_is_refused_before_decoding():
    with pytest.raises(PhotoError) as error:
        prepare_photo(io.BytesIO(b"\xff\xd8" + b"\x00" * MAX_BYTES))
    assert error.value.code == "too_large"


def test_a_decompression_bomb_is_refused():
    bomb = encoded(Image.new("1", (9000, 9000)), "PNG")
    assert len(bomb.getvalue()) < MAX_BYTES
    with pytest.raises(PhotoError) as error:
        prepare_photo(bomb)
    assert error.value.code == "too_large"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (encoded(Image.new("RGB", (10, 10)), "GIF").getvalue(), "wrong_type"),
        (encoded(Image.new("RGB", (10, 10)), "BMP").getvalue(), "wrong_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "wrong_type"),
        (b"", "corrupt"),
    ],
)
def test_other_formats_and_disguised_files_are_refused(content, code):
    with pytest.raises(PhotoError) as error:
        prepare_photo(io.BytesIO(content))
    assert error.value.code == code


def test_a_polyglot_keeps_only_its_picture():
    """A JPEG that is also an HTML page and a ZIP (a payload after the image's end, and in a
    comment segment) comes out as a new JPEG with none of the other file in it."""
    jpeg = encoded(Image.new("RGB", (50, 50), "blue"), "JPEG").getvalue()
    html = b"<html><script>alert(document.cookie)</script></html>"
    zipped = b"PK\x03\x04" + b"\x00" * 26 + html
    comment = b"\xff\xfe" + (len(html) + 2).to_bytes(2, "big") + html
    polyglot = jpeg[:2] + comment + jpeg[2:] + html + zipped
    photo = prepare_photo(io.BytesIO(polyglot))
    for part in (photo.full, photo.thumbnail, photo.medium):
        assert b"<script>" not in part and b"PK\x03\x04" not in part
    with Image.open(io.BytesIO(photo.full)) as check:
        assert check.format == "JPEG" and check.size == (50, 50)


def test_a_truncated_jpeg_is_refused():
    data = encoded(Image.effect_noise((400, 400), 80).convert("RGB"), "JPEG").getvalue()
    with pytest.raises(PhotoError) as error:
        prepare_photo(io.BytesIO(data[: len(data) // 2]))
    assert error.value.code == "corrupt"


def test_the_pixel_limit_is_what_a_phone_photo_needs():
    """The review's file: 6300 x 6300 (just under the old 40 MP), now refused; 24 MP passes."""
    from pb.proposals.photos import MAX_PIXELS

    assert MAX_PIXELS == 24_000_000
    with pytest.raises(PhotoError) as error:
        prepare_photo(encoded(Image.new("RGB", (6300, 6300), "green"), "PNG"))
    assert error.value.code == "too_large"
    with pytest.raises(PhotoError):
        prepare_photo(encoded(Image.new("RGB", (5000, 4801), "green"), "PNG"))
    photo = prepare_photo(encoded(Image.new("RGB", (6000, 4000), "green"), "JPEG"))
    with Image.open(io.BytesIO(photo.full)) as full:
        assert full.size == (1600, 1067)


def test_a_worker_re_encodes_one_upload_at_a_time(monkeypatch):
    import threading
    import time

    from pb.proposals import photos

    inside, most = [0], [0]
    real = photos._reencode

    def counted(data):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        try:
            return real(data)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(photos, "_reencode", counted)
    data = encoded(Image.new("RGB", (800, 600), "blue"), "JPEG").getvalue()
    threads = [threading.Thread(target=prepare_photo, args=(io.BytesIO(data),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
