"""An invitation belongs to one messenger: issuing MAX links leaves the Telegram ones valid, and a
token opens only its own bot. Invitations waiting at the upgrade are Telegram's. The column is
added with a database default (a NOT NULL column needs one on a table with rows)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class AddChannel(ops.AddField):
    """tortoise's AddField, with a default the database knows for the rows already there."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None:
            await state_editor._run_sql(
                'ALTER TABLE "invite" ADD COLUMN "channel" VARCHAR(16) NOT NULL DEFAULT \'telegram\''
            )


class Migration(migrations.Migration):
    dependencies = [('resolute', '0012_max_wiring')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Invite',
            options={'table': 'invite', 'app': 'resolute', 'pk_attr': 'id', 'table_description': 'A one-time deep link to the bot of one messenger. Only a keyed hash of the token is'},
        ),
        AddChannel(
            model_name='Invite',
            name='channel',
            field=fields.CharField(default='telegram', max_length=16),
        ),
    ]
