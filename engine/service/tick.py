"""One pass as of ``now``: read inbound, create due occurrences, enqueue and send what is due."""

from __future__ import annotations

import logging
from datetime import datetime

from engine.app import App
from engine.channels.base import ChannelUnavailable
from engine.isolation import reason_of
from engine.report.command import templates_dir
from engine.service.cycle import TickReport, advance
from engine.service.inbound import pull_telegram
from engine.service.mail_inbound import pull_email
from engine.service.max_inbound import pull_max_once

log = logging.getLogger("resolute.tick")


async def tick(app: App, now: datetime) -> TickReport:
    """Read what came in, then do everything that is due at ``now``."""
    report = TickReport()
    if app.telegram is not None:
        try:
            report.updates = await pull_telegram(
                app.telegram,
                app.secret,
                now,
                templates_dir=templates_dir(app.settings),
                failures=report.failures,
            )
        except ChannelUnavailable as exc:
            report.problems.append(str(exc))
            log.warning("tick.inbound_unavailable reason=%r", str(exc))
    if app.max is not None and not app.settings.max_webhook_url:  # a webhook stops polling
        try:
            report.updates += await pull_max_once(
                app.max, app.settings.db_url, app.secret, now,
                templates_dir=templates_dir(app.settings), failures=report.failures,
            ) or 0  # fmt: skip
        except ChannelUnavailable as exc:
            report.problems.append(str(exc))
            log.warning("tick.max_unavailable reason=%r", str(exc))
    if app.inbox is not None:
        try:
            report.updates += await pull_email(app.inbox, now, app.secret, app.renderer)
        except ChannelUnavailable as exc:
            report.problems.append(str(exc))
            log.warning("tick.mail_unavailable reason=%r", str(exc))
        except Exception as exc:  # the inbox must never keep the tick from sending
            report.problems.append(f"Почта не прочитана: {reason_of(exc)}")
            log.error("tick.mail_failed reason=%r", reason_of(exc))
    for messenger in (app.telegram, app.max):
        if messenger is not None and messenger.outage:
            report.problems.append(messenger.outage)
    await advance(report, now, app.outlets, app.renderer, app.secret)
    return report
