"""A dialogue belongs to (channel, chat): a MAX dialog and a Telegram chat may share an id.
Rows waiting at the upgrade are Telegram's. The column is added with a database default (both
SQLite and PostgreSQL refuse a NOT NULL column without one on a table with rows); the unique key
then moves from chat_id alone to (channel, chat_id) (SQLite rebuilds the table for that, and the
rebuilt table has the new unique index: the dialogue table has no other index to lose)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint


class AddChannel(ops.AddField):
    """tortoise's AddField, with a default the database knows for the rows already there."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None:
            await state_editor._run_sql(
                'ALTER TABLE "dialogue" ADD COLUMN "channel" VARCHAR(16) NOT NULL DEFAULT \'telegram\''
            )


class Migration(migrations.Migration):
    dependencies = [('resolute', '0010_links')]

    initial = False

    operations = [
        AddChannel(
            model_name='Dialogue',
            name='channel',
            field=fields.CharField(default='telegram', max_length=16),
        ),
        ops.AlterField(
            model_name='Dialogue',
            name='chat_id',
            field=fields.BigIntField(),
        ),
        ops.AddConstraint(
            model_name='Dialogue',
            constraint=UniqueConstraint(fields=('channel', 'chat_id'), name=None),
        ),
    ]
