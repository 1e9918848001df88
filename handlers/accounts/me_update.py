"""PATCH /me: edit one's own names."""

import msgspec
from litestar import patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.fields import AuthedRequest, FirstName, LastName
from api.schemas import UserOut
from domain.accounts import Accounts


class ProfileChanges(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the names: role, email and activity are never self-service."""

    first_name: FirstName | msgspec.UnsetType = msgspec.UNSET
    last_name: LastName | msgspec.UnsetType = msgspec.UNSET


@patch("/me", tags=["accounts"])
async def me_update(
    data: JSONBody[ProfileChanges], request: AuthedRequest, accounts: NamedDependency[Accounts]
) -> UserOut:
    """Change the given names; any other field is a 422 naming it."""
    user = await accounts.update_profile(
        request.user, first_name=data.first_name, last_name=data.last_name
    )

    return UserOut.of(user)
