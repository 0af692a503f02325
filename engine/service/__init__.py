"""Use cases over storage: apply definitions, run a tick, confirm tasks, report status."""
