"""Tables. Every timestamp is stored in UTC; local time exists only at the edges.

Over 300 lines on purpose: every table in one module, as tortoise's migrations and readers
of the schema expect.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class TaskState(StrEnum):
    """Where a task stands. ``overdue`` is not a state: it is derived from the deadline."""

    OPEN = "open"  # waiting for the owner
    REPORTED = "reported"  # the owner says done; waiting for the controller's acceptance
    DONE = "done"  # accepted (or closed by the owner's word under acceptance: none)
    CANCELLED = "cancelled"  # the owner or the clause left the workflow


class OutboxStatus(StrEnum):
    """Life of one outgoing message."""

    PENDING = "pending"  # due, not yet claimed
    SENDING = "sending"  # claimed by a dispatcher until lease_until
    SENT = "sent"  # the channel accepted it
    FAILED = "failed"  # the channel refused it for good
    UNDELIVERABLE = "undeliverable"  # no channel reaches the recipient
    SKIPPED = "skipped"  # stale by the time it was claimed (task closed)


class Person(Model):
    id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=200)
    position = fields.CharField(max_length=300, null=True)
    organisation = fields.CharField(max_length=300, null=True)
    email = fields.CharField(max_length=254, null=True)
    telegram_chat_id = fields.BigIntField(null=True, db_index=True)
    timezone = fields.CharField(max_length=64, null=True)
    quiet_hours = fields.JSONField[list[str] | None](null=True)
    channels = fields.JSONField[list[str] | None](null=True)
    # Telegram answered 403 (blocked, or never pressed Start): unreachable there until they write.
    telegram_blocked_at = fields.DatetimeField(null=True)
    # The mail server refused the address for good (5xx, or a bounce came back).
    email_bounced_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "person"


class Group(Model):
    id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=300, null=True)
    members = fields.JSONField[list[str]]()

    class Meta:
        table = "person_group"


class Resolution(Model):
    """An applied resolution with a snapshot of the definition that was applied."""

    id = fields.CharField(max_length=64, primary_key=True)
    title = fields.TextField()
    number = fields.CharField(max_length=64)
    adopted = fields.DateField()
    timezone = fields.CharField(max_length=64)
    controller: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "resolute.Person", related_name=False, on_delete=fields.RESTRICT
    )
    definition = fields.JSONField[dict[str, Any]]()
    digest = fields.CharField(max_length=64)
    # "HH:MM" of its clauses' digest times; null until the resolution is applied again
    digest_times = fields.JSONField[list[str] | None](null=True)
    applied_at = fields.DatetimeField()
    # The local date of the last "now" for which recurring occurrences were created (each clause
    # creates its occurrences that many days ahead as its earliest reminder needs).
    materialized_through = fields.DateField()

    controller_id: str

    class Meta:
        table = "resolution"


class Task(Model):
    """One (clause, owner, occurrence): the unit that is reminded, confirmed and escalated."""

    id = fields.BigIntField(primary_key=True)
    resolution: fields.ForeignKeyRelation[Resolution] = fields.ForeignKeyField(
        "resolute.Resolution", related_name="tasks", on_delete=fields.RESTRICT
    )
    clause_id = fields.CharField(max_length=32)
    owner: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "resolute.Person", related_name="tasks", on_delete=fields.RESTRICT
    )
    occurrence = fields.CharField(max_length=16)  # "once", or the period's original deadline
    clause_text = fields.TextField()
    deadline = fields.DateField()  # as the definition sets it
    extended_to = fields.DateField(null=True)  # an approved extension wins over the deadline
    state = fields.CharEnumField(TaskState, default=TaskState.OPEN, max_length=16)
    policy = fields.JSONField[dict[str, Any]]()  # snapshot of the clause's effective policy
    next_due_at = fields.DatetimeField(null=True)  # the next reminder slot; null: none left
    created_at = fields.DatetimeField(auto_now_add=True)
    reported_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    # How many times the owner has reported: the controller's buttons under a report carry it,
    # so a button under an earlier report (since returned for rework) cannot accept a later one.
    reports = fields.IntField(default=0)

    resolution_id: str
    owner_id: str

    class Meta:
        table = "task"
        unique_together = (("resolution", "clause_id", "owner", "occurrence"),)
        indexes = (("state", "next_due_at"),)


class Outbox(Model):
    """Every outgoing message. ``key`` is derived from the schedule, so a second send of the
    same reminder violates a unique constraint instead of reaching a person twice."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=200, unique=True)
    task: fields.ForeignKeyNullableRelation[Task] = fields.ForeignKeyField(
        "resolute.Task", related_name="messages", null=True, on_delete=fields.RESTRICT
    )
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "resolute.Person", related_name="messages", on_delete=fields.RESTRICT
    )
    channel = fields.CharField(max_length=16)
    kind = fields.CharField(max_length=32)
    due_at = fields.DatetimeField()
    status = fields.CharEnumField(OutboxStatus, default=OutboxStatus.PENDING, max_length=16)
    attempt_at = fields.DatetimeField()  # when to try next: due_at, later after a failure
    attempts = fields.IntField(default=0)
    claimed_by = fields.CharField(max_length=40, null=True)
    lease_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    external_id = fields.CharField(max_length=64, null=True)  # e.g. Telegram "chat:message_id"
    payload = fields.JSONField[dict[str, Any] | None](null=True)  # content fixed when enqueued
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    task_id: int | None
    person_id: str

    class Meta:
        table = "outbox"
        indexes = (("status", "attempt_at"), ("external_id",))


class Evidence(Model):
    """What an owner sent to back a report: text, a link, a photo or a file."""

    id = fields.BigIntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "resolute.Task", related_name="evidence", on_delete=fields.RESTRICT
    )
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "resolute.Person", related_name="evidence", on_delete=fields.RESTRICT
    )
    source = fields.CharField(max_length=16)  # the channel it came by: telegram | max | email
    text = fields.TextField(null=True)
    file_name = fields.CharField(max_length=255, null=True)
    content_type = fields.CharField(max_length=127, null=True)
    size = fields.IntField(default=0)
    data = fields.BinaryField(null=True)  # bounded by MAX_ATTACHMENT_BYTES
    reference = fields.CharField(max_length=255, null=True)  # Message-ID, Telegram file_id
    received_at = fields.DatetimeField()
    # The report round it belongs to (task.reports when it came, +1 while the task was open):
    # the controller sees a round's evidence apart from the earlier rounds'. None: before 0009.
    round = fields.IntField(null=True)
    # The messenger's message it came in ("telegram:chat:message_id"; before 0011 untagged
    # "chat:message_id", Telegram's), to copy it to the controller on the same messenger.
    # 255 since 0012: a MAX message id ("mid") is longer than Telegram's.
    message_ref = fields.CharField(max_length=255, null=True)
    media_group = fields.CharField(max_length=64, null=True)  # the album it came in

    task_id: int
    person_id: str

    class Meta:
        table = "evidence"


class ExtensionState(StrEnum):
    PENDING = "pending"  # waiting for the controller
    APPROVED = "approved"  # the deadline moved
    REJECTED = "rejected"  # the deadline stays
    WITHDRAWN = "withdrawn"  # the owner reported the work before a decision


class Extension(Model):
    """A request for more time: the deadline moves only when the controller approves it.

    (No semicolons in model docstrings: they become SQL comments, split at semicolons.)
    """

    id = fields.BigIntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "resolute.Task", related_name="extensions", on_delete=fields.RESTRICT
    )
    deadline_before = fields.DateField()  # the deadline the request was made against
    requested_to = fields.DateField()
    reason = fields.TextField()
    state = fields.CharEnumField(ExtensionState, default=ExtensionState.PENDING, max_length=16)
    requested_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=64, null=True)
    decided_at = fields.DatetimeField(null=True)

    task_id: int

    class Meta:
        table = "extension"
        indexes = (("state", "task_id"),)


class Invite(Model):
    """A one-time deep link to the bot of one messenger. Only a keyed hash of the token is
    stored; the token links an account of that messenger alone."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    channel = fields.CharField(max_length=16, default="telegram")
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "resolute.Person", related_name="invites", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by_chat = fields.BigIntField(null=True)

    person_id: str

    class Meta:
        table = "invite"


class Dialogue(Model):
    """What the bot is waiting for from a chat after a button: a report, a date, a reason, a
    comment. Kept in the database, so a restart (or another instance) continues the conversation.
    One per (channel, chat): a MAX dialog and a Telegram chat may have the same id."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    chat_id = fields.BigIntField()
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "resolute.Person", related_name=False, on_delete=fields.CASCADE
    )
    step = fields.CharField(max_length=32)
    task: fields.ForeignKeyNullableRelation[Task] = fields.ForeignKeyField(
        "resolute.Task", related_name=False, null=True, on_delete=fields.CASCADE
    )
    data = fields.JSONField[dict[str, Any]](default=dict)
    expires_at = fields.DatetimeField()

    person_id: str
    task_id: int | None

    class Meta:
        table = "dialogue"
        unique_together = (("channel", "chat_id"),)


class Inbound(Model):
    """Every update received from a channel, recorded once, so a replay changes nothing."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=100, unique=True)  # e.g. "telegram:update:1234"
    kind = fields.CharField(max_length=32)
    payload = fields.JSONField[dict[str, object]]()
    received_at = fields.DatetimeField()
    outcome = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "inbound"


class AuditEvent(Model):
    """Who changed what, when: one row per state change, with a stable event name."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    event = fields.CharField(max_length=64)
    actor = fields.CharField(max_length=100)
    task: fields.ForeignKeyNullableRelation[Task] = fields.ForeignKeyField(
        "resolute.Task", related_name="events", null=True, on_delete=fields.RESTRICT
    )
    resolution_id = fields.CharField(max_length=64, null=True)
    data = fields.JSONField[dict[str, object]](default=dict)

    task_id: int | None

    class Meta:
        table = "audit_event"
        indexes = (("task_id", "at"),)


class Cursor(Model):
    """Small named positions in outside streams (Telegram's update offset, IMAP's last UID)."""

    name = fields.CharField(max_length=64, primary_key=True)
    value = fields.CharField(max_length=200)

    class Meta:
        table = "cursor"


class Heartbeat(Model):
    """One row per ``resolute run`` instance, written at the end of every pass: when it last
    ran, how long it took, whether it polls Telegram (MAX) and reads the inbox, its last error.
    ``resolute status --health`` reads it (engine/ops/health.py)."""

    instance = fields.CharField(max_length=100, primary_key=True)  # "host:pid"
    started_at = fields.DatetimeField()
    last_pass_at = fields.DatetimeField(null=True)
    pass_duration_ms = fields.IntField(default=0)
    passes = fields.BigIntField(default=0)
    polls_telegram = fields.BooleanField(default=False)
    polls_max = fields.BooleanField(default=False)
    reads_mail = fields.BooleanField(default=False)
    last_error = fields.TextField(null=True)
    last_error_at = fields.DatetimeField(null=True)

    class Meta:
        table = "heartbeat"


class Link(Model):
    """How a messenger added after Telegram reaches a person: their user id there and, where
    the platform tells them apart, the id of the dialog with the bot (MAX: ``chat_id`` is not
    ``user_id``). Telegram, the first channel, keeps its columns on ``person``; e-mail is an
    address in the roster. One row per (channel, user): a chat that changes hands moves the row."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16)  # a registered channel's name, e.g. "max"
    user_id = fields.BigIntField()
    chat_id = fields.BigIntField(null=True)  # the dialog with the bot, once known
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "resolute.Person", related_name="links", on_delete=fields.CASCADE
    )
    linked_at = fields.DatetimeField()
    blocked_at = fields.DatetimeField(null=True)  # the platform said the user blocked the bot

    person_id: str

    class Meta:
        table = "link"
        unique_together = (("channel", "user_id"), ("channel", "person"))
