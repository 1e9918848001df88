"""Sessions: the durable record in Postgres and the caches in front of it."""

from infra.sessions.cache import MemcachedSessionCache, NullSessionCache
from infra.sessions.store import PostgresSessionStore

__all__ = ["MemcachedSessionCache", "NullSessionCache", "PostgresSessionStore"]
