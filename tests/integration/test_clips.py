"""Voice clips: recorded by peers, re-encoded on the server, approved by a second person, and
played wherever their words appear; bad sound is refused with nothing stored."""

import io
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pb import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from pb.clips import services
from pb.clips.models import VoiceClip
from pb.clips.strings import IMPORTANT_STRINGS, msgid_of
from pb.extensions import db
from pb.speech import engine
from pb.voting.forms import FORMAT_EXPLANATIONS
from tests.clip_helpers import sound
from tests.conftest import csrf_token, in_ci, post_form
from tests.factories import PASSWORD, add_to_group, log_in, make_user
from tests.integration.voting_helpers import voting_round

pytestmark = pytest.mark.skipif(
    not engine.installed() and not in_ci(),
    reason="espeak-ng and ffmpeg are installed by `make speech-deps`",
)

VOTE_EXPLANATION = msgid_of(FORMAT_EXPLANATIONS["approval"])


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return Path(app.config["UPLOAD_FOLDER"]) / "clips"


def upload(client, path: Path | None, *, msgid="Vote", language="ti", data: bytes | None = None):
    content = data if data is not None else path.read_bytes()
    return post_form(
        client,
        f"/clips?language={language}",
        {
            "msgid": msgid,
            "language": language,
            "audio": (io.BytesIO(content), path.name if path else "clip.wav"),
        },
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def clip_count() -> int:
    return db.session.scalar(select(func.count()).select_from(VoiceClip))


def decide(client, clip_id: int, decision: str):
    token = csrf_token(client, "/clips/review")
    return client.post(f"/clips/{clip_id}/{decision}", data={"csrf_token": token})


def test_a_peer_records_another_approves_and_the_ti_ballot_plays_it(
    client, app, world, uploads, tmp_path
):
    budget_round = voting_round(world, ballot_format="approval")
    ballot = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/ballot"
    log_in(client, world.peer_a)
    tagged = sound(tmp_path / "vote.wav", title="Secret Title")
    assert upload(client, tagged).status_code == 303
    assert upload(client, tagged, msgid=VOTE_EXPLANATION).status_code == 303
    clips = db.session.scalars(select(VoiceClip).order_by(VoiceClip.id)).all()
    assert [(c.msgid, c.language, c.state, c.version) for c in clips] == [
        ("Vote", "ti", "waiting", 1),
        (VOTE_EXPLANATION, "ti", "waiting", 1),
    ]
    stored = uploads / clips[0].file_name
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name:format_tags",
         "-of", "default=nw=1", str(stored)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    assert "mp3" in probe and "Secret" not in probe
    assert 1.3 < clips[0].duration_ms / 1000 < 1.7

    # Not yet in use, and the recorder may not approve their own clip.
    assert "data-clip" not in client.get(ballot, headers={"Accept-Language": "ti"}).get_data(
        as_text=True
    )
    decide(client, clips[0].id, "approve")
    assert db.session.get(VoiceClip, clips[0].id).state == "waiting"

    reviewer = app.test_client()
    log_in(reviewer, world.staff_a)
    for clip in clips:
        assert decide(reviewer, clip.id, "approve").status_code == 303
    db.session.expire_all()
    assert {c.state for c in db.session.scalars(select(VoiceClip))} == {"approved"}

    member = app.test_client()
    log_in(member, world.member_a)
    page = member.get(ballot, headers={"Accept-Language": "ti"}).get_data(as_text=True)
    assert page.count("data-clip") == 2
    assert f'href="/clips/{clips[0].id}.mp3"' in page
    assert member.get(f"/clips/{clips[0].id}.mp3").mimetype == "audio/mpeg"
    # In Norwegian there is no Tigrinya clip to play.
    assert "data-clip" not in member.get(ballot, headers={"Accept-Language": "nb"}).get_data(
        as_text=True
    )

    # A new version replaces the old once approved; withdrawing it takes the speaker away.
    assert upload(client, sound(tmp_path / "v2.wav", seconds=1)).status_code == 303
    newer = db.session.scalars(select(VoiceClip).where(VoiceClip.version == 2)).one()
    assert member.get(f"/clips/{newer.id}.mp3").status_code == 404  # waiting: not for members
    decide(reviewer, newer.id, "approve")
    db.session.expire_all()
    assert db.session.get(VoiceClip, clips[0].id).state == "replaced"
    page = member.get(ballot, headers={"Accept-Language": "ti"}).get_data(as_text=True)
    assert f'href="/clips/{newer.id}.mp3"' in page
    decide(reviewer, newer.id, "withdraw")
    page = member.get(ballot, headers={"Accept-Language": "ti"}).get_data(as_text=True)
    assert page.count("data-clip") == 1

    coverage = member.get("/clips/coverage", headers={"Accept-Language": "en"})
    essential = sum(1 for s in IMPORTANT_STRINGS if s.importance == 1)
    assert f"1 of {essential}" in coverage.get_data(as_text=True)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("too_long", "The clip is too long"),
        ("too_large", "The sound file is too large"),
        ("silent", "We could not hear anything"),
        ("not_audio", "This is not a sound file"),
        ("truncated", "This is not a sound file"),
        ("empty", "Record the words, or choose a sound file"),
    ],
)
def test_bad_sound_is_refused_with_a_message_and_nothing_is_stored(
    client, world, uploads, tmp_path, kind, message
):
    log_in(client, world.peer_a)
    path = tmp_path / "clip.wav"
    data = None
    if kind == "too_long":
        sound(path, seconds=services.MAX_SECONDS + 5)
    elif kind == "too_large":
        data = b"RIFF" + bytes(services.MAX_UPLOAD_BYTES + 10)
    elif kind == "silent":
        sound(path, silent=True, seconds=2)
    elif kind == "not_audio":
        data = b"%PDF-1.4 this is not sound"
    elif kind == "truncated":
        data = sound(tmp_path / "clip.ogg", seconds=2, container="ogg").read_bytes()[:200]
    else:
        data = b""
    response = upload(client, None if data is not None else path, data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert clip_count() == 0
    assert not uploads.exists() or not any(uploads.iterdir())


def test_only_peers_and_staff_record_and_hear_waiting_clips(client, app, world, uploads, tmp_path):
    log_in(client, world.member_a)
    assert client.get("/clips").status_code == 404
    assert client.get("/clips/review").status_code == 404
    peer = app.test_client()
    log_in(peer, world.peer_a)
    assert upload(peer, sound(tmp_path / "a.wav"), msgid="Not a string we know").status_code == 400
    assert clip_count() == 0
    assert upload(peer, sound(tmp_path / "b.wav")).status_code == 303
    clip = db.session.scalars(select(VoiceClip)).one()
    assert client.get(f"/clips/{clip.id}.mp3").status_code == 404
    assert decide(client, clip.id, "approve").status_code == 404


def test_only_the_recording_page_may_use_the_microphone(client, app, world, uploads):
    """Every other page keeps the headers it had: no microphone, no blob: media."""
    log_in(client, world.peer_a)
    recording = client.get("/clips?language=so")
    assert recording.headers["Permissions-Policy"] == "camera=(), microphone=(self), geolocation=()"
    assert "media-src 'self' blob:" in recording.headers["Content-Security-Policy"]
    others = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "clips.record_page"
    ]
    others += [f"/groups/{world.group_a.id}", "/clips/review", "/clips/coverage", "/clips/999.mp3"]
    assert len(others) > 15
    for path in others:
        response = client.get(path)
        assert response.headers["Permissions-Policy"] == PERMISSIONS_POLICY, path
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
    # A failed upload on the recording page keeps the recording page's own headers.
    failed = upload(client, None, data=b"")
    assert failed.headers["Permissions-Policy"].startswith("camera=(), microphone=(self)")


def test_a_peers_clips_are_in_their_export_and_gone_with_their_account(
    client, app, world, uploads, tmp_path
):
    from pb.accounts import services as accounts

    peer = make_user("voice_peer")
    add_to_group(peer, world.group_a, "peer")
    log_in(client, peer)
    assert upload(client, sound(tmp_path / "c.wav")).status_code == 303
    clip = db.session.scalars(select(VoiceClip)).one()
    export = client.get("/account/data.json").get_json()
    assert export["voice_clips"][0]["words"] == "Vote"
    assert (uploads / clip.file_name).exists()
    accounts.delete_account(db.session.get(type(peer), peer.id), PASSWORD)
    db.session.commit()
    assert clip_count() == 0
    assert not (uploads / clip.file_name).exists()


def test_every_important_string_is_a_real_msgid():
    catalog = Path(__file__).parents[2] / "translations" / "messages.pot"
    text = catalog.read_text()
    for string in IMPORTANT_STRINGS:
        quoted = string.msgid.replace('"', '\\"')
        assert f'msgid "{quoted}"' in text or quoted[:40] in text, string.msgid
