"""MAX in the service: a message reference of MAX ("max:<chat_id>:<mid>") is longer than 64
characters, and the heartbeat says which instance polls MAX.

SQLite does not enforce a VARCHAR's length, and tortoise's SQLite editor would rebuild the
evidence table to change it (dropping its indexes): there the widening is left to the model.
The new heartbeat column gets a database default, as 0011's column did: neither database adds
a NOT NULL column without one to a table with rows."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.sqlite import SqliteSchemaEditor
from tortoise import fields


class WidenMessageRef(ops.AlterField):
    """tortoise's AlterField, in place on PostgreSQL and a no-op on SQLite."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and not isinstance(state_editor, SqliteSchemaEditor):
            await state_editor._run_sql(
                'ALTER TABLE "evidence" ALTER COLUMN "message_ref" TYPE VARCHAR(255)'
            )


class AddPollsMax(ops.AddField):
    """tortoise's AddField, with a default the database knows for the rows already there."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None:
            await state_editor._run_sql(
                'ALTER TABLE "heartbeat" ADD COLUMN "polls_max" BOOL NOT NULL DEFAULT FALSE'
            )


class Migration(migrations.Migration):
    dependencies = [('resolute', '0011_dialogue_channel')]

    initial = False

    operations = [
        WidenMessageRef(
            model_name='Evidence',
            name='message_ref',
            field=fields.CharField(null=True, max_length=255),
        ),
        AddPollsMax(
            model_name='Heartbeat',
            name='polls_max',
            field=fields.BooleanField(default=False),
        ),
    ]
