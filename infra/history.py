"""The texts users analysed, kept in Postgres through Piccolo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from piccolo.columns.combination import And, Where

from domain.periods import Period
from domain.predictions import LABELS, Prediction
from domain.sentiment import SavedPrediction
from infra.db.tables import TextPredictionRow

Row = TextPredictionRow
# History ids are a Postgres `bigserial`: nothing larger can be stored.
POSTGRES_BIGINT_MAX = 2**63 - 1

_COLUMNS = (
    Row.id,
    Row.text,
    Row.created_at,
    Row.label,
    Row.negative,
    Row.neutral,
    Row.positive,
    Row.language,
    Row.model_version,
)


def like_substring(q: str) -> str:
    """An ILIKE pattern for `q` anywhere, in which `%`, `_` and `\\` match
    themselves (backslash is Postgres's default LIKE escape)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    return f"%{escaped}%"


class PiccoloTextHistory:
    """`TextHistory` over the `tonality_text_prediction` table."""

    async def add(
        self, user_id: int, text: str, prediction: Prediction, created_at: datetime
    ) -> SavedPrediction:
        scores = prediction.scores
        row = Row(
            user=user_id,
            text=text,
            label=prediction.label,
            negative=scores.negative,
            neutral=scores.neutral,
            positive=scores.positive,
            language=prediction.language,
            model_version=prediction.model_version,
            created_at=created_at,
        )
        inserted = await Row.insert(row).returning(Row.id)

        return SavedPrediction(
            id=inserted[0]["id"], text=text, created_at=created_at, prediction=prediction
        )

    async def list(
        self, user_id: int, q: str | None, period: Period, offset: int, limit: int
    ) -> tuple[list[SavedPrediction], int]:
        where = _matching(user_id, q, period)
        page = Row.select(*_COLUMNS).where(where).order_by(Row.created_at, Row.id, ascending=False)

        rows = await page.offset(offset).limit(limit)
        total = await Row.count().where(where)

        return [_saved(row) for row in rows], total

    async def delete(self, user_id: int, prediction_id: int) -> bool:
        if not 1 <= prediction_id <= POSTGRES_BIGINT_MAX:
            return False

        query = Row.delete().where(Row.id == prediction_id, Row.user == user_id)
        rows = await query.returning(Row.id)

        return bool(rows)


def _matching(user_id: int, q: str | None, period: Period) -> And | Where:
    where: And | Where = Row.user == user_id
    if q:
        where = where & Row.text.ilike(like_substring(q))
    if period.start is not None:
        where = where & (Row.created_at >= period.start)
    if period.end is not None:
        where = where & (Row.created_at < period.end)

    return where


def _saved(row: dict[str, Any]) -> SavedPrediction:
    # `real` columns come back as float4 widened to float8; six decimals
    # are all that survived, so the noise past them is dropped.
    scores = {label: round(row[label], 6) for label in LABELS}
    prediction = msgspec.convert(
        {
            "label": row["label"],
            "scores": scores,
            "language": row["language"],
            "model_version": row["model_version"],
        },
        Prediction,
    )

    return SavedPrediction(
        id=row["id"], text=row["text"], created_at=row["created_at"], prediction=prediction
    )
