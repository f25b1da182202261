"""Temporal activities: the I/O (gateway calls, Postgres writes) the workflow orchestrates."""
