"""Turn due reminders into outbox rows, then deliver the outbox.

Two steps, both restartable at any point:
1. ``enqueue_due`` (enqueue.py): tasks whose ``next_due_at`` has come get an outbox row for their
   live reminder slot. The row's key is derived from the slot, under a unique constraint, so a
   second row for the same reminder cannot exist, however many ticks or instances run.
2. ``deliver`` (send.py): rows are claimed (a conditional UPDATE with a claim token and a lease),
   sent through the channel each is routed to (route.py, engine/channels/registry.py), and
   recorded (record.py); a failure is retried or failed for good (failure.py). What each
   message says is content.py.
"""

from engine.service.delivery.buttons import Keyboard, reminder_buttons
from engine.service.delivery.content import reminder_context, render_reminder
from engine.service.delivery.enqueue import enqueue_due
from engine.service.delivery.record import DeliveryReport
from engine.service.delivery.route import (
    NO_CHANNEL,
    Mailer,
    Outlets,
    Sender,
    route,
    usable,
)
from engine.service.delivery.send import PAUSE, deliver

__all__ = [
    "NO_CHANNEL",
    "PAUSE",
    "DeliveryReport",
    "Keyboard",
    "Mailer",
    "Outlets",
    "Sender",
    "deliver",
    "enqueue_due",
    "reminder_buttons",
    "reminder_context",
    "render_reminder",
    "route",
    "usable",
]
