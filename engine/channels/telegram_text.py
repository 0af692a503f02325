"""Telegram's text limits: cutting HTML into messages it accepts, and the plain-text form.

Telegram takes at most 4,096 characters per message, counted in UTF-16 code units after the
HTML entities are parsed out. ``split_message`` measures the HTML source in UTF-16 units, which
is never less than what Telegram counts, so every part it makes is accepted. It cuts at line
breaks where it can and inside a line only between tags and entities; a tag left open at a cut
is closed at the end of the part and opened again at the start of the next, so every part is
valid HTML on its own. ``plain_text`` is the form to send when Telegram refuses the HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

TELEGRAM_LIMIT = 4096  # UTF-16 code units per message
_HTML_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|.", re.DOTALL)
_PLAIN_TOKEN = re.compile(r".", re.DOTALL)
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][\w-]*)")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def plain_text(source: str) -> str:
    """What a reader sees of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^<>]*>", "", source))


class _Open:
    """The tags open at a point: their opening text, in order."""

    def __init__(self, tags: tuple[tuple[str, str], ...] = ()) -> None:
        self.tags = list(tags)  # (name, opening tag as written)

    def feed(self, token: str) -> None:
        match = _TAG.match(token) if token.startswith("<") else None
        if match is None:
            return
        closing, name = match.group(1) == "/", match.group(2).lower()
        if not closing:
            self.tags.append((name, token))
            return
        for i in range(len(self.tags) - 1, -1, -1):
            if self.tags[i][0] == name:
                del self.tags[i:]
                return

    def reopen(self) -> str:
        return "".join(text for _, text in self.tags)

    def close(self) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(self.tags))

    def copy(self) -> _Open:
        return _Open(tuple(self.tags))


def split_message(text: str, limit: int = TELEGRAM_LIMIT, *, markup: bool = True) -> list[str]:
    """Parts of at most ``limit`` UTF-16 units, cut at line breaks where possible. Joining the
    parts with a newline gives the text back when no line is longer than ``limit`` and no tag
    spans a cut. ``markup=False``: the text is plain (``<`` is a character, not a tag)."""
    token = _HTML_TOKEN if markup else _PLAIN_TOKEN
    parts: list[str] = []
    current: str | None = None
    size = 0
    state = _Open()

    def flush() -> None:
        nonlocal current, size
        if current is not None and current.strip():
            parts.append(current + state.close())
        current = None
        size = 0

    for line in text.split("\n"):
        after = state.copy()
        for t in token.findall(line) if markup else ():
            after.feed(t)
        joined = utf16_len(line) + (0 if current is None else 1)
        if current is not None and size + joined + utf16_len(after.close()) <= limit:
            current, size, state = f"{current}\n{line}", size + joined, after
            continue
        flush()
        prefix = state.reopen()
        if utf16_len(prefix) + utf16_len(line) + utf16_len(after.close()) <= limit:
            current, size, state = prefix + line, utf16_len(prefix) + utf16_len(line), after
            continue
        for piece, closed_state in _cut_line(line, limit, state, token):
            if current is not None:
                parts.append(current)  # a full piece of an overlong line, closed already
            current, state = piece, closed_state
            size = utf16_len(piece)
    flush()
    return parts


def _cut_line(
    line: str, limit: int, state: _Open, token: re.Pattern[str]
) -> Iterator[tuple[str, _Open]]:
    """Pieces of one overlong line, each closed but the last (which the next line may join),
    with the open tags after each piece."""
    piece = state.reopen()
    size = utf16_len(piece)
    has_content = False
    for t in token.findall(line):
        after = state.copy()
        after.feed(t)
        if has_content and size + utf16_len(t) + utf16_len(after.close()) > limit:
            yield piece + state.close(), state.copy()
            piece = state.reopen()
            size = utf16_len(piece)
            has_content = False
            after = state.copy()
            after.feed(t)
        piece += t
        size += utf16_len(t)
        has_content = True
        state = after
    yield piece, state
