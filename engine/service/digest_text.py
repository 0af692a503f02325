"""What a composed digest says: the Telegram HTML (split into messages by the caller) and the
e-mail (totals, then at most MAIL_SECTION_CAP items per section)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from engine.digest import Digest, Item
from engine.render import MAX_OUTPUT_CHARS, Renderer
from storage.models import Person

# A digest has no size limit: its rendering may take this much per item (names and texts are
# bounded by the schema), over the renderer's usual cap; Telegram gets it in parts.
CHARS_PER_ITEM = 1000
MAIL_SECTION_CAP = 100  # items per section in the e-mailed digest; then «и ещё N»


def _digest_context(digest: Digest, person: Person, cap: int | None = None) -> dict[str, Any]:
    """What the digest templates get: ``totals`` (items per section, all of them), then the
    ``sections``, each cut to ``cap`` items if given, and ``more``: how many were left out."""
    present = [(name, items) for name, items in digest.sections() if items]
    shown = {name: items[:cap] if cap is not None else items for name, items in present}
    return {
        "person": person,
        "day": digest.day,
        "totals": {name: len(items) for name, items in present},
        "more": {name: len(items) - len(shown[name]) for name, items in present},
        "sections": [
            (name, shown[name] if name == "unreachable" else _by_resolution_and_clause(shown[name]))
            for name, _ in present
        ],
    }


def _size(digest: Digest) -> int:
    return sum(len(items) for _, items in digest.sections())


def render_digest(renderer: Renderer, digest: Digest, person: Person) -> str:
    """The whole digest, however long: the caller splits it into Telegram messages."""
    limit = MAX_OUTPUT_CHARS + CHARS_PER_ITEM * _size(digest)
    context = _digest_context(digest, person)
    return renderer.render("telegram/digest.html", max_chars=limit, **context)


def render_digest_mail(renderer: Renderer, digest: Digest, person: Person) -> dict[str, Any]:
    """Subject, HTML (a table per section) and plain text of the e-mailed digest: totals
    first, then at most MAIL_SECTION_CAP items per section, so a long one stays readable."""
    context = _digest_context(digest, person, MAIL_SECTION_CAP)
    limit = MAX_OUTPUT_CHARS + CHARS_PER_ITEM * min(_size(digest), 7 * MAIL_SECTION_CAP)
    return {
        "subject": f"Сводка по исполнению постановлений на {digest.day:%d.%m.%Y}",
        "html": renderer.render("email/digest.html", max_chars=limit, **context),
        "text": renderer.render_text("email/digest.txt", max_chars=limit, **context),
    }


def _by_resolution_and_clause(items: list[Item]) -> list[dict[str, Any]]:
    """[{title, clauses: [{id, text, items}]}], keeping the items' order."""
    out: list[dict[str, Any]] = []
    for title, by_resolution in groupby(items, key=lambda i: i.task.resolution_title):
        clauses: dict[str, dict[str, Any]] = {}
        for item in by_resolution:
            task = item.task
            clause = clauses.setdefault(
                task.clause_id, {"id": task.clause_id, "text": task.clause_text, "items": []}
            )
            clause["items"].append(item)
        out.append({"title": title, "clauses": list(clauses.values())})
    return out
