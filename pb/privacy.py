"""A person's data across every domain: what they can see and export, and what deleting the
account erases.

Each domain registers an exporter (what it holds about the person) and an eraser (which blanks or
removes the free text and files they wrote or uploaded). The accounts domain calls them all, so a
new domain that stores something about people adds itself here and the export and the deletion
stay complete. This module imports no domain, so any domain can register without a cycle.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Erasure:
    """One account deletion in progress, handed to every eraser in turn.

    `texts` collects the exact texts the erasers blanked (a proposal's title, say), so that a
    later eraser can remove copies of them made elsewhere, such as in other people's
    notifications.
    """

    user: object
    texts: set[str] = field(default_factory=set)

    def blanked(self, *texts: str | None) -> None:
        self.texts.update(text for text in texts if text)


_exporters: list[tuple[str, Callable]] = []
_erasers: list[tuple[int, str, Callable[[Erasure], None]]] = []


def register_exporter(name: str, exporter: Callable) -> None:
    """`exporter(user)` returns JSON-ready data, shown under `name` in the person's export."""
    if name not in {n for n, _ in _exporters}:
        _exporters.append((name, exporter))


def register_eraser(name: str, eraser: Callable[[Erasure], None], *, order: int = 50) -> None:
    """`eraser(erasure)` runs inside the deletion's transaction; lower `order` runs first."""
    if name not in {n for _, n, _ in _erasers}:
        _erasers.append((order, name, eraser))


def exporters() -> list[tuple[str, Callable]]:
    return list(_exporters)


def erasers() -> list[tuple[str, Callable[[Erasure], None]]]:
    return [(name, eraser) for _, name, eraser in sorted(_erasers, key=lambda e: (e[0], e[1]))]
