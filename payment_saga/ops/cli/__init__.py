"""The operator CLI (`payment-saga`): subcommands for people on call, `--json` for scripts."""
