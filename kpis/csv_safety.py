"""One rule for every CSV the project writes: a cell a spreadsheet would run as a formula is neutralised.

A spreadsheet takes a cell that starts with = + - @ (or a tab or carriage return before one) as a formula:
`=HYPERLINK(…)` or `=cmd|' /C calc'!A0` in a team name would run on the director's machine (CSV injection). Such a
cell gets a leading apostrophe, which spreadsheets show as typed. So does one that hides a formula behind a
semicolon or tab (`x;=1+1`), which a spreadsheet set to that separator splits into a cell of its own, or that
starts with a full-width sign (`\uff1d1+1`), which some spreadsheets read as its ASCII twin. Plain numbers (-5,
+3.2, 1e-3) are left as they are, so that numeric columns stay numbers. XLSX exports ask `looks_like_formula` and
store such a cell as text.
"""

from __future__ import annotations

import re

_SIGNS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
_FORMULA_START = re.compile(rf"^\s*[{_SIGNS}\t\r]|[;\t]\s*[{_SIGNS}]")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take the text for a formula (a plain number is not one)."""
    # fullmatch, not match with `$`, which also matches before a final newline: "+0\n" is not a plain number.
    return bool(_FORMULA_START.search(text)) and not _PLAIN_NUMBER.fullmatch(text)


def spreadsheet_safe(value: object) -> str:
    """The cell as text that no spreadsheet runs."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text
