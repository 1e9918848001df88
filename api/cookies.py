"""The two cookies a login sets and a logout clears."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import Cookie

SESSION_COOKIE = "session"
CSRF_COOKIE = "csrftoken"


@dataclass(frozen=True)
class CookiePolicy:
    """`secure` is off only for plain-HTTP development."""

    secure: bool
    max_age: int

    def for_login(self, token: str, csrf_token: str) -> list[Cookie]:
        return [
            self._cookie(SESSION_COOKIE, token, httponly=True),
            # Readable by the page's script, which echoes it in X-CSRF-Token.
            self._cookie(CSRF_COOKIE, csrf_token, httponly=False),
        ]

    def cleared(self) -> list[Cookie]:
        return [
            self._cookie(SESSION_COOKIE, "", httponly=True, max_age=0),
            self._cookie(CSRF_COOKIE, "", httponly=False, max_age=0),
        ]

    def _cookie(
        self, key: str, value: str, *, httponly: bool, max_age: int | None = None
    ) -> Cookie:
        return Cookie(
            key=key,
            value=value,
            path="/",
            max_age=self.max_age if max_age is None else max_age,
            secure=self.secure,
            httponly=httponly,
            samesite="lax",
        )
