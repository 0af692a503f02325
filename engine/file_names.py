"""File names that people send, made safe to store and to write to disk.

A name from a mail or a messenger is the sender's text: it may hold a path, control characters,
or be longer than a file system allows (255 bytes per name on Linux ext4 and most others; a
Cyrillic letter is two bytes in UTF-8). ``safe_name`` keeps what can be kept: the base name,
NFC, the extension, and as much of the stem as fits in 255 bytes, cut at a character boundary.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_BYTES = 255
MAX_EXTENSION_CHARS = 16
FALLBACK = "attachment"


def safe_name(name: str | None, limit_bytes: int = MAX_NAME_BYTES) -> str:
    """``../../Отчёт\\n(очень длинный…).docx`` → ``Отчёт (очень длин….docx``, ≤ limit bytes."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = " ".join(text.split()).strip(" .")
    if not text:
        return FALLBACK
    if len(text.encode("utf-8")) <= limit_bytes:
        return text
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION_CHARS or " " in extension:
        stem, extension = text, ""
    tail = ("." + extension if extension else "").encode("utf-8")
    room = limit_bytes - len(tail) - len("…".encode())
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    return f"{cut}…{tail.decode('utf-8')}" if cut else FALLBACK + tail.decode("utf-8")
