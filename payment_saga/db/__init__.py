"""PostgreSQL: the tables, the session factory and the repositories (which never commit)."""
