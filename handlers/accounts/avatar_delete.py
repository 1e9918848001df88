"""DELETE /me/avatar: drop the profile picture."""

from litestar import delete
from litestar.di import NamedDependency

from api.fields import AuthedRequest
from domain.accounts import Accounts


@delete("/me/avatar", status_code=204, tags=["accounts"])
async def avatar_delete(request: AuthedRequest, accounts: NamedDependency[Accounts]) -> None:
    """Remove the avatar; 204 also when there was none."""
    await accounts.remove_avatar(request.user)
