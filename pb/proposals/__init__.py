"""Budget rounds, proposals, discussion and peer moderation."""
