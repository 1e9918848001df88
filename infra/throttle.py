"""Failed logins counted per account name in Postgres."""

from __future__ import annotations

from datetime import datetime, timedelta

from infra.db.tables import LoginFailureRow
from infra.users import normalise_email


class PostgresLoginThrottle:
    """`LoginThrottle` with a fixed window: `max_failures` failures within
    `window` lock the name for `lock_for`. Names that do not exist are
    counted too, so the answer never tells whether an account exists."""

    def __init__(
        self,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=15),
        lock_for: timedelta = timedelta(minutes=15),
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lock_for = lock_for

    async def failures(self, email: str, now: datetime) -> tuple[int, datetime | None]:
        query = LoginFailureRow.select().where(LoginFailureRow.email == normalise_email(email))
        row = await query.first()
        if row is None or self._has_lapsed(row, now):
            return 0, None

        locked_until = row["locked_until"]
        return row["failures"], locked_until if locked_until and locked_until > now else None

    async def record_failure(self, email: str, now: datetime) -> None:
        name = normalise_email(email)
        engine = LoginFailureRow._meta.db

        # The row lock keeps concurrent failures from overwriting each other.
        async with engine.transaction():
            await LoginFailureRow.insert(
                LoginFailureRow(email=name, failures=0, window_started_at=now)
            ).on_conflict(action="DO NOTHING")
            row = await (
                LoginFailureRow.select().where(LoginFailureRow.email == name).lock_rows().first()
            )
            assert row is not None
            await LoginFailureRow.update(self._after_failure(row, now)).where(
                LoginFailureRow.email == name
            )

    async def reset(self, email: str) -> None:
        await LoginFailureRow.delete().where(LoginFailureRow.email == normalise_email(email))

    def _has_lapsed(self, row: dict, now: datetime) -> bool:
        """The window is over, or a lock was served; counting starts afresh."""
        locked_until = row["locked_until"]
        if locked_until is not None:
            return locked_until <= now

        return now - row["window_started_at"] >= self.window

    def _after_failure(self, row: dict, now: datetime) -> dict:
        if self._has_lapsed(row, now):
            return {
                LoginFailureRow.failures: 1,
                LoginFailureRow.window_started_at: now,
                LoginFailureRow.locked_until: self._lock_if(1, now),
            }

        failures = row["failures"] + 1
        locked_until = row["locked_until"] or self._lock_if(failures, now)
        return {LoginFailureRow.failures: failures, LoginFailureRow.locked_until: locked_until}

    def _lock_if(self, failures: int, now: datetime) -> datetime | None:
        return now + self.lock_for if failures >= self.max_failures else None
