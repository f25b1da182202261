"""Payment gateways: one protocol, an HTTP client for it, and a simulator that models a processor."""
