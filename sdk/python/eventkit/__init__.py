"""A kit for consuming payment-saga's events (docs/events.md, "The consumer kit")."""
