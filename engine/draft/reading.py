"""The decree file as lines: a text file in UTF-8 (with or without BOM) or Windows-1251, or a
Word ``.docx`` whose automatic numbering is rebuilt (``engine.draft.word_numbering``).

Encoding rule, on purpose this small: UTF-16 when the file starts with its BOM (Notepad's
«Юникод»), else UTF-8 decoded strictly (``utf-8-sig`` drops a BOM), else Windows-1251. Russian
text in cp1251 is never valid UTF-8 (a Cyrillic letter, 0xC0–0xFF, would need a continuation
byte 0x80–0xBF after it, and cp1251 letters are not in that range), so the strict attempt decides
reliably; KOI8-R and other legacy encodings are not what Russian offices save today. A charset
detector (charset-normalizer) would be a dependency to guess what this rule knows.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from engine.draft.model import Decree, DecreeError, Line

MAX_BYTES = 20 * 1024 * 1024  # a decree of hundreds of pages is a few MB
_ZIP_MAGIC = b"PK\x03\x04"
MAX_UNPACKED_BYTES = 50 * 2**20  # a decree's document.xml is well under a megabyte
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .doc
_NOT_PRINTABLE = re.compile(
    r"[^\S ]|[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ufffe\uffff]"
)


def read_decree(path: Path) -> Decree:
    """Read ``path``; DecreeError (exit 1) when it is not a text or Word file we can read."""
    try:
        data = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise DecreeError(f"{path}:1: не удалось прочитать файл: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise DecreeError(f"{path}:1: файл больше {MAX_BYTES // 2**20} МБ — это не постановление")
    if data.startswith(_OLE_MAGIC):
        raise DecreeError(
            f"{path}:1: это старый формат Word (.doc): сохраните его как .docx или как текст"
        )
    if data.startswith(_ZIP_MAGIC) or path.suffix.lower() == ".docx":
        from engine.draft.word import docx_paragraphs  # python-docx only when needed

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                unpacked = sum(item.file_size for item in package.infolist())
            if unpacked > MAX_UNPACKED_BYTES:  # a zip bomb: refuse before anything inflates it
                raise DecreeError(
                    f"{path}:1: файл Word распаковывается в {unpacked // 2**20} МБ — "
                    "это не постановление"
                )
            texts = docx_paragraphs(data)
        except DecreeError:
            raise
        except Exception as exc:  # a damaged or hostile package (zip, XML, parts): say so
            if isinstance(exc, MemoryError):
                raise
            raise DecreeError(f"{path}:1: не удалось прочитать файл Word: {exc}") from None
        return Decree(str(path), _lines(texts), unit="абзац")
    return text_decree(str(path), data)


def text_decree(path: str, data: bytes) -> Decree:
    """A text file's bytes as a decree's lines."""
    return Decree(path, _lines(decode_text(data).split("\n")))


def decode_text(data: bytes) -> str:
    """Bytes of a text file as text (see the module's encoding rule); line ends become ``\\n``."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1251", errors="replace")  # 0x98 is its only unmapped byte
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(texts: list[str]) -> tuple[Line, ...]:
    return tuple(Line(i, clean(t)) for i, t in enumerate(texts, start=1))


def clean(text: str) -> str:
    """Tabs, odd spaces and control characters become plain spaces (YAML and terminals)."""
    return _NOT_PRINTABLE.sub(" ", text).rstrip()
