"""Starts, supervises and stops the local stack: Temporal, PostgreSQL, Kafka and our processes."""
