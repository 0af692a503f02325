"""A request can be withdrawn (the owner reported the work before a decision)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.models import ExtensionState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('resolute', '0004_restore_task_indexes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Extension',
            name='state',
            field=fields.CharEnumField(default=ExtensionState.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected\nWITHDRAWN: withdrawn', enum_type=ExtensionState, max_length=16),
        ),
        # SQLite alters a column by rebuilding the table, which drops Meta.indexes (see 0004).
        ops.RunSQL(
            ['CREATE INDEX IF NOT EXISTS "idx_extension_state_a492fe" ON "extension" ("state", "task_id")'],
            reverse_sql=[],
        ),
    ]
