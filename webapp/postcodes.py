"""Dutch postcodes: parsing what people type, and one point per 4-digit area (seed_data/pc4_haaglanden.csv).

Never geocode by place name: 'Rijswijk' also exists in Gelderland and Noord-Brabant.
"""

from __future__ import annotations

import csv
import enum
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PC4_FILE = Path(__file__).resolve().parent.parent / "seed_data" / "pc4_haaglanden.csv"
_POSTCODE = re.compile(r"^([1-9][0-9]{3})([A-Z]{2})?$")


@dataclass(frozen=True)
class Pc4Area:
    pc4: str
    lat: float
    lon: float
    place: str
    po_box: bool


class PostcodeProblem(enum.Enum):
    FORMAT = "format"
    UNKNOWN = "unknown"
    PO_BOX = "po_box"


class PostcodeError(ValueError):
    def __init__(self, problem: PostcodeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@cache
def pc4_areas() -> dict[str, Pc4Area]:
    with PC4_FILE.open(newline="", encoding="utf-8") as handle:
        return {
            row["pc4"]: Pc4Area(row["pc4"], float(row["lat"]), float(row["lon"]), row["place"], row["po_box"] == "1")
            for row in csv.DictReader(handle)
        }


def parse_postcode(raw: str) -> tuple[str, Pc4Area]:
    """'2282ab' -> ('2282 AB', area). A 4-digit postcode alone is accepted too.

    Raises PostcodeError for a malformed code, one outside the area we know, or a PO-box code.
    """
    match = _POSTCODE.match("".join(raw.upper().split()))
    if match is None:
        raise PostcodeError(PostcodeProblem.FORMAT)
    digits, letters = match.group(1), match.group(2)
    area = pc4_areas().get(digits)
    if area is None:
        raise PostcodeError(PostcodeProblem.UNKNOWN)
    if area.po_box:
        raise PostcodeError(PostcodeProblem.PO_BOX)
    return (f"{digits} {letters}" if letters else digits), area
