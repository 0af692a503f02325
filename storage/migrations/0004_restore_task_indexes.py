"""Put back the task table's indexes on SQLite.

0003 added a column to ``task``; tortoise's SQLite schema editor does that by rebuilding the table,
and the rebuild keeps neither ``Meta.indexes`` nor ``unique_together``. SQLite databases lost the
(state, next_due_at) index every tick reads by (a tick with nothing due took 150 ms at a million
tasks instead of a few) and the unique key of a task, which makes a second task for the same
(resolution, clause, owner, occurrence) impossible. PostgreSQL altered the table in place and kept
both: the names are tortoise's own, so there ``IF NOT EXISTS`` makes this a no-op.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('resolute', '0003_telegram_dialogues')]

    initial = False

    operations = [
        ops.RunSQL(
            [
                'CREATE INDEX IF NOT EXISTS "idx_task_state_d2089c" ON "task" ("state", "next_due_at")',
                'CREATE UNIQUE INDEX IF NOT EXISTS "uid_task_resolut_d896ed" ON "task" ("resolution_id", "clause_id", "owner_id", "occurrence")',
            ],
            reverse_sql=[],
        ),
    ]
