"""The application database: engine and sessions, the shared declarative base, schema creation.

SQLite in the data dir by default, PostgreSQL when ``PLAYBOOK_DATABASE_URL`` is set. Features own their
tables (``assistant.crm``, ``assistant.quiz``, Slack's memory, and here :mod:`~assistant.storage.feedback` and
:mod:`~assistant.storage.jobs`); each declares ``TABLES`` and its repositories create them on first use
through :meth:`Database.ensure`.
"""

from assistant.storage.base import Base, UtcDateTime, tables_of, utcnow
from assistant.storage.engine import Database, database_url, make_engine
from assistant.storage.schema import create_schema

__all__ = ["Base", "Database", "UtcDateTime", "create_schema", "database_url", "make_engine", "tables_of", "utcnow"]
