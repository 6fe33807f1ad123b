"""A peer's voice clips: listed in their export, and deleted, sound files too, with their account
(a voice is personal data)."""

from sqlalchemy import select, update

from pb import privacy
from pb.clips.models import VoiceClip
from pb.extensions import db


def _export(user) -> list[dict]:
    clips = db.session.scalars(select(VoiceClip).where(VoiceClip.recorded_by_id == user.id))
    return [
        {
            "words": clip.msgid,
            "language": clip.language,
            "version": clip.version,
            "state": clip.state,
            "seconds": clip.duration_ms / 1000,
            "at": clip.created_at.isoformat(),
        }
        for clip in clips
    ]


def _erase(erasure: privacy.Erasure) -> None:
    from pb.clips.services import clip_folder

    user_id = erasure.user.id
    for clip in db.session.scalars(select(VoiceClip).where(VoiceClip.recorded_by_id == user_id)):
        (clip_folder() / clip.file_name).unlink(missing_ok=True)
        db.session.delete(clip)
    db.session.execute(
        update(VoiceClip).where(VoiceClip.decided_by_id == user_id).values(decided_by_id=None)
    )


privacy.register_exporter("voice_clips", _export)
privacy.register_eraser("voice_clips", _erase, order=50)
