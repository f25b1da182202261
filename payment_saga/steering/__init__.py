"""Starting and steering payment workflows: one way, shared by the API and the operator CLI."""
