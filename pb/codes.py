"""Short codes that people read aloud or type on a phone: no 0/O or 1/I to confuse."""

import hashlib
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def pretty_code(code: str) -> str:
    """Groups of four, as people read a code aloud: ABCD-EFGH-JKLM."""
    if len(code) % 4 or len(code) < 8:
        return code
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    """Codes are long and random and live a day, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
