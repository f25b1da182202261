"""What every processor's settings share."""

# Where the local stack runs its parts, test servers included: loopback only, by default.
LOOPBACK = "127.0.0.1"
