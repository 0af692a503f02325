"""``/report`` in a messenger: the DOCX of each resolution the person controls, as documents.

Only a resolution's controller gets its report; the caller has checked who is asking (by the
chat the update came from), and this module sends only what that person controls.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from engine.audit import event_line
from engine.channels.base import ChannelUnavailable, DeliveryError
from engine.channels.events import Messenger
from engine.render import ru_date
from engine.report import make_report
from engine.texts import Texts
from storage.models import Resolution

log = logging.getLogger("resolute.report")


async def controls_any(person_id: str) -> bool:
    return await Resolution.filter(controller_id=person_id).exists()


async def send_reports(
    messenger: Messenger,
    chat_id: int,
    person_id: str,
    now: datetime,
    texts: Texts,
    templates_dir: Path | None = None,
) -> int:
    """Send the DOCX report of every resolution ``person_id`` controls; returns how many went.
    One resolution whose report fails does not keep the others back."""
    sent = 0
    for resolution in await Resolution.filter(controller_id=person_id).order_by("id"):
        try:
            rendered = await make_report(resolution.id, "docx", now, templates_dir)
            caption = texts.say(
                "reportbot.caption", messenger.name, number=resolution.number,
                as_of=ru_date(rendered.report.as_of),
            )  # fmt: skip
            await messenger.send_document(chat_id, rendered.file_name, rendered.content, caption)
        except (DeliveryError, ChannelUnavailable) as exc:
            log.warning(event_line("report.not_sent", resolution=resolution.id, reason=str(exc)))
            continue
        except Exception:  # one resolution's report must not stop the others
            log.exception(event_line("report.failed", resolution=resolution.id))
            failed = texts.say("reportbot.failed", messenger.name, number=resolution.number)
            await messenger.reply(chat_id, failed)
            continue
        sent += 1
        log.info(
            event_line(
                "report.sent", resolution=resolution.id, person=person_id, via=messenger.name
            )
        )
    return sent
