"""Substring search that treats the user's text literally."""


def like_pattern(q: str) -> str:
    """An ILIKE pattern for substring `q` in which `%`, `_` and `\\` match themselves."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
