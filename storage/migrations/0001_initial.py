import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storage.models import OutboxStatus, TaskState


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Cursor",
            fields=[
                (
                    "name",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("value", fields.CharField(max_length=200)),
            ],
            options={
                "table": "cursor",
                "app": "resolute",
                "pk_attr": "name",
                "table_description": "Small named positions in outside streams (Telegram's update offset, IMAP's last UID).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Group",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("name", fields.CharField(null=True, max_length=300)),
                (
                    "members",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
            ],
            options={"table": "person_group", "app": "resolute", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Inbound",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("key", fields.CharField(unique=True, max_length=100)),
                ("kind", fields.CharField(max_length=32)),
                (
                    "payload",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("outcome", fields.CharField(null=True, max_length=64)),
            ],
            options={
                "table": "inbound",
                "app": "resolute",
                "pk_attr": "id",
                "table_description": "Every update received from a channel, recorded once, so a replay changes nothing.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Person",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("name", fields.CharField(max_length=200)),
                ("position", fields.CharField(null=True, max_length=300)),
                ("organisation", fields.CharField(null=True, max_length=300)),
                ("email", fields.CharField(null=True, max_length=254)),
                ("telegram_chat_id", fields.BigIntField(null=True, db_index=True)),
                ("timezone", fields.CharField(null=True, max_length=64)),
                (
                    "quiet_hours",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "channels",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "person", "app": "resolute", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Resolution",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("title", fields.TextField(unique=False)),
                ("number", fields.CharField(max_length=64)),
                ("adopted", fields.DateField()),
                ("timezone", fields.CharField(max_length=64)),
                (
                    "controller",
                    fields.ForeignKeyField(
                        "resolute.Person",
                        source_field="controller_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "definition",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("digest", fields.CharField(max_length=64)),
                ("applied_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("materialized_through", fields.DateField()),
            ],
            options={
                "table": "resolution",
                "app": "resolute",
                "pk_attr": "id",
                "table_description": "An applied resolution with a snapshot of the definition that was applied.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Task",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "resolution",
                    fields.ForeignKeyField(
                        "resolute.Resolution",
                        source_field="resolution_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tasks",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("clause_id", fields.CharField(max_length=32)),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "resolute.Person",
                        source_field="owner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tasks",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("occurrence", fields.CharField(max_length=16)),
                ("clause_text", fields.TextField(unique=False)),
                ("deadline", fields.DateField()),
                ("extended_to", fields.DateField(null=True)),
                (
                    "state",
                    fields.CharEnumField(
                        default=TaskState.OPEN,
                        description="OPEN: open\nREPORTED: reported\nDONE: done\nCANCELLED: cancelled",
                        enum_type=TaskState,
                        max_length=16,
                    ),
                ),
                (
                    "policy",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "next_due_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "reported_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "task",
                "app": "resolute",
                "unique_together": (("resolution", "clause_id", "owner", "occurrence"),),
                "indexes": [Index(fields=["state", "next_due_at"])],
                "pk_attr": "id",
                "table_description": "One (clause, owner, occurrence): the unit that is reminded, confirmed and escalated.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("event", fields.CharField(max_length=64)),
                ("actor", fields.CharField(max_length=100)),
                (
                    "task",
                    fields.ForeignKeyField(
                        "resolute.Task",
                        source_field="task_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("resolution_id", fields.CharField(null=True, max_length=64)),
                (
                    "data",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "audit_event",
                "app": "resolute",
                "indexes": [Index(fields=["task_id", "at"])],
                "pk_attr": "id",
                "table_description": "Who changed what, when: one row per state change, with a stable event name.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Outbox",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("key", fields.CharField(unique=True, max_length=200)),
                (
                    "task",
                    fields.ForeignKeyField(
                        "resolute.Task",
                        source_field="task_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "person",
                    fields.ForeignKeyField(
                        "resolute.Person",
                        source_field="person_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("channel", fields.CharField(max_length=16)),
                ("kind", fields.CharField(max_length=32)),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=OutboxStatus.PENDING,
                        description="PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed\nUNDELIVERABLE: undeliverable\nSKIPPED: skipped",
                        enum_type=OutboxStatus,
                        max_length=16,
                    ),
                ),
                ("attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("attempts", fields.IntField(default=0)),
                ("claimed_by", fields.CharField(null=True, max_length=40)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("external_id", fields.CharField(null=True, max_length=64)),
                ("error", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "outbox",
                "app": "resolute",
                "indexes": [Index(fields=["status", "attempt_at"]), Index(fields=["external_id"])],
                "pk_attr": "id",
                "table_description": "Every outgoing message. ``key`` is derived from the schedule, so a second send of the",
            },
            bases=["Model"],
        ),
    ]
