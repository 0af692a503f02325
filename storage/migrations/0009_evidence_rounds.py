"""Evidence remembers its report round, its Telegram message and album (issue 13): the controller
gets every photo and file of the round being reported (copyMessage), one notice per album, and
the earlier rounds apart. SQLite adds the columns in place (ALTER TABLE ADD COLUMN): the evidence
table has no Meta.indexes for a rebuild to lose."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('resolute', '0008_heartbeat')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Evidence',
            name='media_group',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Evidence',
            name='message_ref',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Evidence',
            name='round',
            field=fields.IntField(null=True),
        ),
    ]
