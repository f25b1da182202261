"""Signed webhooks: each event of an account's payments POSTed to the account's endpoints."""
