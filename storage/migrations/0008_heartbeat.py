"""The heartbeat table: one row per `resolute run` instance, written every pass."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('resolute', '0005_extension_withdrawn')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Heartbeat',
            fields=[
                ('instance', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_pass_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pass_duration_ms', fields.IntField(default=0)),
                ('passes', fields.BigIntField(default=0)),
                ('polls_telegram', fields.BooleanField(default=False)),
                ('reads_mail', fields.BooleanField(default=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('last_error_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'heartbeat', 'app': 'resolute', 'pk_attr': 'instance', 'table_description': 'One row per ``resolute run`` instance, written at the end of every pass: when it last'},
            bases=['Model'],
        ),
    ]
