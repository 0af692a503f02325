"""``simulate --show``: the messages themselves, as the recipient would read them, in a terminal.

Telegram HTML becomes plain text (tags dropped, entities decoded, a quote indented); e-mail
already has its plain-text part. Pure: the texts come from ``simulate(texts=True)``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from engine.service.simulate import Planned

KINDS = {"reminder": "напоминание", "digest": "сводка"}
_QUOTE = re.compile(r"<blockquote[^>]*>(.*?)</blockquote>", re.S)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def telegram_plain(source: str) -> str:
    """Telegram HTML as a terminal shows it: «│ » before each line of a quote."""
    quoted = _QUOTE.sub(
        lambda m: "\n".join(f"│ {line}" for line in m.group(1).splitlines()), source
    )
    return html.unescape(_TAG.sub("", quoted))


def shown(timeline: Iterable[Planned], zone: ZoneInfo) -> list[str]:
    """Each message: a heading (when, how, to whom, what), then its text."""
    lines: list[str] = []
    for planned in timeline:
        when = planned.at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
        channel = "не доставить: нет канала связи" if planned.channel == "none" else planned.channel
        what = KINDS.get(planned.kind, planned.kind)
        clause = f", пункт {planned.clause}" if planned.clause else ""
        lines.append(f"── {when} · {channel} · {planned.recipient_name} · {what}{clause} ──")
        text = planned.text or ""
        body = telegram_plain(text) if planned.channel == "telegram" else text
        lines.extend(body.splitlines() or ["(текст не сформирован: сообщение не отправлялось)"])
        lines.append("")
    return lines
