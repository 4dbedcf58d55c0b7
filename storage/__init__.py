"""Persistence: SQLAlchemy models and queries, migrations, Excel in and out, evidence files."""
