"""HTTP glue shared by the handler groups: schemas, sessions, errors, headers."""
