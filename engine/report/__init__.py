"""``resolute report``: the presidium's «Информация о ходе выполнения постановления».

``facts`` reads storage once; ``model`` turns facts and a moment into immutable rows (pure);
one writer per format (``docx_writer``, ``xlsx_writer``, ``html_writer``, ``csv_writer``) and
``chart`` for the picture. ``make_report`` is the use case the CLI and the bot call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from engine.report.facts import load_facts
from engine.report.model import Report, build_report

FORMATS = ("docx", "html", "xlsx", "csv")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Rendered:
    report: Report
    content: bytes
    format: str

    @property
    def file_name(self) -> str:
        return file_name(self.report.resolution_id, self.report.as_of, self.format)


def file_name(resolution_id: str, as_of: date, fmt: str) -> str:
    """``presidium-2023-16-1-2023-10-25.docx``"""
    return f"{resolution_id}-{as_of.isoformat()}.{fmt}"


def render(report: Report, fmt: str, templates_dir: Path | None = None) -> bytes:
    from engine.report import csv_writer, docx_writer, html_writer, xlsx_writer

    writers: dict[str, Callable[[], bytes]] = {
        "docx": lambda: docx_writer.write_docx(report, templates_dir),
        "xlsx": lambda: xlsx_writer.write_xlsx(report),
        "html": lambda: html_writer.write_html(report, templates_dir).encode("utf-8"),
        "csv": lambda: csv_writer.write_csv(report),
    }
    return writers[fmt]()


async def make_report(
    resolution_id: str, fmt: str, now: datetime, templates_dir: Path | None = None
) -> Rendered:
    """The report of one resolution as of ``now`` in one format (``FORMATS``)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    report = build_report(await load_facts(resolution_id), now)
    # Writing is CPU work (seconds for a large resolution): off the event loop, so the service
    # keeps sending and listening meanwhile.
    return Rendered(report, await asyncio.to_thread(render, report, fmt, templates_dir), fmt)
