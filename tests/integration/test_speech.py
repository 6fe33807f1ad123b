"""The server's speech: real espeak-ng and ffmpeg, reading only what the person may see."""

import shutil
from pathlib import Path

import pytest

from pb.speech import engine
from tests.conftest import in_ci
from tests.factories import log_in
from tests.proposals_factories import make_proposal, make_round, urls

pytestmark = pytest.mark.skipif(
    not engine.installed() and not in_ci(),
    reason="espeak-ng and ffmpeg are installed by `make speech-deps`",
)

LONG = " ".join(f"Setning nummer {n} handler om kjøretimer for ungdom i byen." for n in range(30))


@pytest.fixture
def spoken(app, tmp_path):
    app.config["SPEECH_CACHE_FOLDER"] = str(tmp_path / "speech")
    return Path(app.config["SPEECH_CACHE_FOLDER"])


def speech(client, page, part="page", n=0, language="nb"):
    return client.get(
        "/speech",
        query_string={"page": page, "part": part, "n": n},
        headers={"Accept-Language": language},
    )


def is_mp3(data: bytes) -> bool:
    return data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def test_a_proposal_is_read_aloud_and_the_second_time_from_the_kept_audio(client, world, spoken):
    proposal = make_proposal(make_round(world), world.member_a)
    log_in(client, world.member_a)
    page = urls(proposal)["page"]
    first = speech(client, page, "proposal-body")
    assert first.status_code == 200
    assert first.mimetype == "audio/mpeg" and is_mp3(first.data) and len(first.data) > 2000
    assert first.headers["X-Speech-Pieces"] == "1"
    assert "private" in first.headers["Cache-Control"]
    kept = list(spoken.rglob("*.mp3"))
    assert len(kept) == 1
    again = speech(client, page, "proposal-body")
    assert again.data == first.data and list(spoken.rglob("*.mp3")) == kept
    # The whole page too, and its plain Listen link for browsers without JavaScript.
    html = client.get(page, headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert 'class="listen-link button" href="/listen?page=' in html
    assert speech(client, page).status_code == 200


def test_a_long_text_is_read_in_pieces_with_next(client, world, spoken):
    proposal = make_proposal(make_round(world), world.member_a, description=LONG)
    log_in(client, world.member_a)
    page = urls(proposal)["page"]
    first = speech(client, page, "proposal-body")
    pieces = int(first.headers["X-Speech-Pieces"])
    assert pieces == len(engine.pieces(LONG)) >= 3
    assert all(len(p) <= engine.PIECE_CHARACTERS for p in engine.pieces(LONG))
    assert speech(client, page, "proposal-body", n=pieces - 1).status_code == 200
    assert speech(client, page, "proposal-body", n=pieces).status_code == 404
    listen = client.get(
        "/listen", query_string={"page": page, "part": "proposal-body", "n": 1}
    ).get_data(as_text=True)
    assert "<audio controls" in listen and "n=2" in listen and "n=0" in listen


def test_speech_reads_only_what_the_person_may_see(client, world, spoken):
    proposal = make_proposal(make_round(world), world.member_a)
    page = urls(proposal)["page"]
    log_in(client, world.member_b)  # a member of the other group
    assert speech(client, page, "proposal-body").status_code == 404
    assert client.get(page).status_code == 404
    # Not a page that is read aloud, not a page of this site, no such part: all 404.
    for asked in ("/notifications", "https://example.org/", "//example.org/", "/nowhere"):
        assert speech(client, asked).status_code == 404
    assert speech(client, f"/groups/{world.group_b.id}", part="no-such-part").status_code == 404
    # Free text is not read: there is no parameter for it, the page's own words are.
    with_text = client.get("/speech", query_string={"text": "Hei hei hei", "page": "/"})
    assert with_text.status_code == 200
    assert with_text.data == speech(client, "/").data


def test_too_many_requests_get_429_with_a_message(client, app, world, spoken):
    app.config["SPEECH_RATE_LIMIT"] = "3 per minute"
    log_in(client, world.member_a)
    for _ in range(3):
        assert speech(client, "/").status_code == 200
    refused = speech(client, "/", language="en")
    assert refused.status_code == 429
    assert "Too many tries in a short time" in refused.get_data(as_text=True)
    # Another person has their own allowance.
    other = client.application.test_client()
    log_in(other, world.member_b)
    assert speech(other, "/").status_code == 200


def test_languages_the_server_does_not_speak_offer_no_server_speech(client, world, spoken):
    log_in(client, world.member_a)
    assert speech(client, "/", language="ti").status_code == 404
    html = client.get("/", headers={"Accept-Language": "ti"}).get_data(as_text=True)
    assert "listen-link" not in html and "data-speech-url" not in html
    arabic = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "data-speech-url" in arabic
    assert speech(client, "/", language="ar").status_code == 200


def test_the_log_in_page_is_read_before_log_in(client, spoken):
    assert speech(client, "/login").status_code == 200


def test_pieces_break_between_sentences():
    text = "Først dette. " + "ord " * 200 + "Til slutt."
    pieces = engine.pieces(text, limit=100)
    assert pieces[0] == "Først dette."
    assert pieces[-1].endswith("Til slutt.")
    assert all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_the_server_speaks_the_languages_espeak_ng_has():
    assert shutil.which("espeak-ng") and shutil.which("ffmpeg")
    assert all(engine.speaks(language) for language in ("nb", "en", "ar", "uk"))
    assert not engine.speaks("ti") and not engine.speaks("so")
