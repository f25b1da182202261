"""Payload encryption for Temporal: it stores ciphertext; operators decode in the UI."""
