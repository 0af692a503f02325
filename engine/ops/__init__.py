"""Running resolute for real: doctor, health, metrics, JSON logs, backups."""
