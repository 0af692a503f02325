"""The link table: how messengers added after Telegram (MAX first) reach a person."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('resolute', '0009_evidence_rounds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Link',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=16)),
                ('user_id', fields.BigIntField()),
                ('chat_id', fields.BigIntField(null=True)),
                ('person', fields.ForeignKeyField('resolute.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='links', on_delete=OnDelete.CASCADE)),
                ('linked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('blocked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'link', 'app': 'resolute', 'unique_together': (('channel', 'user_id'), ('channel', 'person')), 'pk_attr': 'id', 'table_description': 'How a messenger added after Telegram reaches a person: their user id there and, where'},
            bases=['Model'],
        ),
    ]
