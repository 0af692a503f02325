"""The timing core: pure functions of (definition, state, now). No I/O, no clock reads.

Binding rules (README): dates count in the resolution's time zone; a deadline D means
"by the end of D", so a task is overdue from 00:00 of D+1; a reminder offset -Nd is due on D-N at
``remind_at``; quiet hours and the like may move a send later, never earlier, and never drop it.
"""
