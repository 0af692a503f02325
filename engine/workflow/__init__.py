"""Workflow files: the YAML schema, the loader with file positions, and the reference checks."""
