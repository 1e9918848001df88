"""Object stores behind `domain.blobs.BlobStore`: S3 (MinIO) and a local directory."""

from infra.blobs.keys import InvalidBlobKey
from infra.blobs.local import LocalBlobStore
from infra.blobs.s3 import S3BlobStore

__all__ = ["InvalidBlobKey", "LocalBlobStore", "S3BlobStore"]
