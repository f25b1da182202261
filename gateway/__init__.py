"""Payment gateways: one protocol, an HTTP client for it, and a simulator of a processor."""
