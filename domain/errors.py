"""Errors the domain raises; the web layer maps each to one status code."""


class DomainError(Exception):
    """Base of every rule violation a user can act on."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """A value breaks a rule (weak password, field not allowed)."""

    status_code = 422


class NotAuthenticated(DomainError):
    """No valid session, or wrong credentials."""

    status_code = 401


class Forbidden(DomainError):
    """Logged in, but not allowed to do this."""

    status_code = 403


class NotFound(DomainError):
    """Missing, or belongs to someone else."""

    status_code = 404


class Conflict(DomainError):
    """The change clashes with existing state (email taken, last admin)."""

    status_code = 409


class TooLarge(DomainError):
    """A body or file is over its limit."""

    status_code = 413


class UnsupportedMedia(DomainError):
    """The file type is not one we accept."""

    status_code = 415


class TooManyAttempts(DomainError):
    """Too many failures in a row; try again after `retry_after` seconds."""

    status_code = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DependencyUnavailable(DomainError):
    """A backing service (database, cache, store, model) cannot be used."""

    status_code = 503

    def __init__(self, dependency: str, detail: str | None = None) -> None:
        super().__init__(detail or f"{dependency} is unavailable; try again shortly")
        self.dependency = dependency
