from __future__ import annotations

import pytest
from piccolo.engine.postgres import PostgresEngine

from domain.health import Probe
from infra.blobs import LocalBlobStore, S3BlobStore
from infra.db.engine import new_engine
from infra.probes import BlobProbe, CacheProbe, DatabaseProbe
from infra.sessions import MemcachedSessionCache, NullSessionCache
from tests.conftest import Memcached, S3Server, free_port


async def test_probes_pass_while_every_service_answers(
    db_engine: PostgresEngine,
    memcached: Memcached,
    s3_blob_store: S3BlobStore,
    local_blob_store: LocalBlobStore,
) -> None:
    cache = MemcachedSessionCache(memcached.host, memcached.port)
    probes: list[Probe] = [
        DatabaseProbe(db_engine),
        CacheProbe(cache),
        CacheProbe(NullSessionCache()),
        BlobProbe(s3_blob_store),
        BlobProbe(local_blob_store),
    ]

    for probe in probes:
        await probe.check()
    await cache.close()

    assert {probe.name for probe in probes} == {"database", "cache", "object store"}


@pytest.mark.filterwarnings("ignore:.*Unable to connect")
async def test_database_probe_fails_when_postgres_is_unreachable() -> None:
    engine = await new_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")

    with pytest.raises(OSError):
        await DatabaseProbe(engine).check()


async def test_cache_probe_fails_when_memcached_is_down(memcached_process: Memcached) -> None:
    cache = MemcachedSessionCache(memcached_process.host, memcached_process.port)
    memcached_process.kill()

    with pytest.raises(OSError):
        await CacheProbe(cache).check()


async def test_blob_probe_fails_when_the_bucket_is_missing(s3_server: S3Server) -> None:
    store = S3BlobStore(
        s3_server.endpoint,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        bucket="never-created",
        secure=False,
        region=s3_server.region,
    )

    with pytest.raises(RuntimeError, match="never-created"):
        await BlobProbe(store).check()
    await store.close()
