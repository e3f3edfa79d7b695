"""Kommune name spellings. Joins are on codes; names are only mapped to the official short names
(the spelling of Table B.1, e.g. "Høje-Taastrup", "Vesthimmerland", "Nordfyns")."""
from __future__ import annotations

#: Other spellings seen in the shipped sources -> official short name.
ALIASES: dict[str, str] = {
    "Høje Taastrup": "Høje-Taastrup",   # DAGI
    "Høje Tåstrup": "Høje-Taastrup",    # SSI 2022
    "Vesthimmerlands": "Vesthimmerland",  # DAGI, SSI 2020
    "Nordfyn": "Nordfyns",              # SSI 2022
    "Århus": "Aarhus",                  # SSI 2022
}

REGION_BY_ISO: dict[str, str] = {
    "DK-81": "Nordjylland",
    "DK-82": "Midtjylland",
    "DK-83": "Syddanmark",
    "DK-84": "Hovedstaden",
    "DK-85": "Sjælland",
}

#: Christiansø (code 411, ~90 inhabitants) is not a kommune; it is folded into Bornholm (400).
CHRISTIANSOE = 411
BORNHOLM = 400


def official_name(name: str) -> str:
    """Official short kommune name for any spelling used in the shipped sources."""
    name = str(name).strip()
    return ALIASES.get(name, name)
