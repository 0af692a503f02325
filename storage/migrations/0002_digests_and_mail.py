from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('resolute', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Evidence',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('task', fields.ForeignKeyField('resolute.Task', source_field='task_id', db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.RESTRICT)),
                ('person', fields.ForeignKeyField('resolute.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.RESTRICT)),
                ('source', fields.CharField(max_length=16)),
                ('text', fields.TextField(null=True, unique=False)),
                ('file_name', fields.CharField(null=True, max_length=255)),
                ('content_type', fields.CharField(null=True, max_length=127)),
                ('size', fields.IntField(default=0)),
                ('data', fields.BinaryField(null=True)),
                ('reference', fields.CharField(null=True, max_length=255)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'evidence', 'app': 'resolute', 'pk_attr': 'id', 'table_description': 'What an owner sent to back a report: text, a link, a photo or a file.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Outbox',
            name='payload',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Person',
            name='email_bounced_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Person',
            name='telegram_blocked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Resolution',
            name='digest_times',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.RemoveField(model_name='Task', name='updated_at'),
    ]
