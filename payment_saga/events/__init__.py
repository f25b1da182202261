"""The outbox relay: publishes committed event rows to Kafka, in order per payment."""
