"""The database engine and what keeps it fast and safe: SQLAlchemy over SQLite or PostgreSQL, the pop's
read thread and prepared statements, the page-cache warmer, online and nightly backups, whole-database
copies (``ctid db copy``). Knows no domain
tables (each package declares its own; ``ctid.tables`` gathers them for Alembic)."""
