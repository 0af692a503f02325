"""``resolute report``'s work behind the CLI's thin wrapper: check the format, build, write."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from datetime import datetime
from pathlib import Path

from engine.audit import event_line
from engine.errors import ConfigError, ResoluteError
from engine.report import FORMATS, make_report
from engine.settings import Settings

log = logging.getLogger("resolute.report")


class FormatError(ConfigError):
    """An unknown ``--format``."""


class OutputError(ConfigError):
    """The report cannot be written where asked."""


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise FormatError(f"Формат «{fmt}» не поддерживается: укажите docx, html, xlsx или csv.")


def templates_dir(settings: Settings) -> Path:
    """The user's templates, as for messages: RESOLUTE_TEMPLATES_DIR, else ./templates."""
    return Path(settings.templates_dir or "templates")


async def write_report(
    resolution_id: str, fmt: str, now: datetime, output: Path | None, templates: Path | None
) -> Path:
    """Build the report and write it; returns the path. The file appears whole or not at all."""
    check_format(fmt)
    rendered = await make_report(resolution_id, fmt, now, templates)
    path = output if output is not None else Path.cwd() / rendered.file_name
    if path.is_dir():
        path = path / rendered.file_name
    write_atomically(path, rendered.content)
    log.info(
        event_line("report.written", resolution=resolution_id, format=fmt, path=str(path),
                   size=len(rendered.content))
    )  # fmt: skip
    return path


def write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:  # the usual permissions (0666 less the umask), unlike mkstemp's 0600
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except OSError as exc:
        raise OutputError(f"Не удалось записать справку в {path}: {_reason(exc)}.") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(f"Не удалось записать справку в {path}: {_reason(exc)}.") from None


def _reason(exc: OSError) -> str:
    reasons = {
        "ENOENT": "такой папки нет",
        "EACCES": "нет прав на запись",
        "EROFS": "диск только для чтения",
        "EISDIR": "это папка",
        "ENOSPC": "нет места на диске",
    }
    return reasons.get(errno.errorcode.get(exc.errno or 0, ""), exc.strerror or str(exc))


__all__ = ["FormatError", "OutputError", "ResoluteError", "check_format", "write_report"]
