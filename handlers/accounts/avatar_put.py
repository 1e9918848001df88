"""PUT /me/avatar: upload a profile picture."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from litestar import put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import MultipartBody

from api.fields import AuthedRequest
from api.openapi import errors
from domain.accounts import Accounts

CHUNK_BYTES = 1 << 16


@dataclass
class AvatarUpload:
    file: UploadFile


@put(
    "/me/avatar",
    status_code=204,
    opt={"body_limit": "avatar"},
    tags=["accounts"],
    responses=errors(
        (413, "the file is over the avatar size limit"),
        (415, "the file is not a PNG, JPEG or WebP image by its content"),
    ),
)
async def avatar_put(
    data: MultipartBody[AvatarUpload],
    request: AuthedRequest,
    accounts: NamedDependency[Accounts],
) -> None:
    """Store a PNG, JPEG or WebP image, judged by its bytes, not its name.

    Raises 415 for anything else and 413 over the size limit.
    """
    await accounts.replace_avatar(request.user, _chunks(data.file))


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk
