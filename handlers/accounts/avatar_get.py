"""GET /me/avatar: the profile picture itself."""

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Stream

from api.fields import AuthedRequest
from api.openapi import errors, image
from domain.accounts import Accounts


@get(
    "/me/avatar",
    tags=["accounts"],
    responses={
        **image("the avatar, as image/png, image/jpeg or image/webp"),
        **errors((404, "there is no avatar")),
    },
)
async def avatar_get(request: AuthedRequest, accounts: NamedDependency[Accounts]) -> Stream:
    """Stream the image with the type found in its content; 404 if none."""
    avatar = await accounts.open_avatar(request.user)

    return Stream(
        avatar.chunks,
        media_type=avatar.content_type,
        headers={"Cache-Control": "private, no-cache"},
    )
