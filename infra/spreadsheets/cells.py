"""What the result writers of both formats put in a row."""

from __future__ import annotations

RESULT_COLUMNS = ("label", "negative", "neutral", "positive")
EMPTY_LABEL = "empty"

Scores = tuple[float, float, float]

# OWASP's CSV injection guidance: a spreadsheet treats a cell that starts
# with one of these as a formula. https://owasp.org/www-community/attacks/CSV_Injection
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: str) -> str:
    """`cell` with a leading apostrophe if a spreadsheet would take it for
    a formula ("=1+2" becomes "'=1+2"; "-5" too, which is the price)."""
    if cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def fit(cells: list[str], width: int) -> list[str]:
    """`cells` padded with "" or cut to `width`, so that the result columns
    stay under their headings; cells past the header have no heading."""
    if len(cells) >= width:
        return cells[:width]
    return cells + [""] * (width - len(cells))
