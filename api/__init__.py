"""The order service's HTTP API. The only package that knows about HTTP."""
