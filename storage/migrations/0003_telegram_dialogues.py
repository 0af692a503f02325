from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from storage.models import ExtensionState
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('resolute', '0002_digests_and_mail')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Dialogue',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('chat_id', fields.BigIntField(unique=True)),
                ('person', fields.ForeignKeyField('resolute.Person', source_field='person_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('step', fields.CharField(max_length=32)),
                ('task', fields.ForeignKeyField('resolute.Task', source_field='task_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dialogue', 'app': 'resolute', 'pk_attr': 'id', 'table_description': 'What the bot is waiting for from a chat after a button: a report, a date, a reason, a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Extension',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('task', fields.ForeignKeyField('resolute.Task', source_field='task_id', db_constraint=True, to_field='id', related_name='extensions', on_delete=OnDelete.RESTRICT)),
                ('deadline_before', fields.DateField()),
                ('requested_to', fields.DateField()),
                ('reason', fields.TextField(unique=False)),
                ('state', fields.CharEnumField(default=ExtensionState.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected', enum_type=ExtensionState, max_length=16)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=64)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'extension', 'app': 'resolute', 'indexes': [Index(fields=['state', 'task_id'])], 'pk_attr': 'id', 'table_description': 'A request for more time: the deadline moves only when the controller approves it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invite',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('person', fields.ForeignKeyField('resolute.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_by_chat', fields.BigIntField(null=True)),
            ],
            options={'table': 'invite', 'app': 'resolute', 'pk_attr': 'id', 'table_description': 'A one-time Telegram deep link. Only a keyed hash of the token is stored.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Task',
            name='reports',
            field=fields.IntField(default=0),
        ),
    ]
