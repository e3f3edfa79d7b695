"""Names in a config checked against the data: a misspelt or ineffective name is an error, never ignored.

Used by :func:`sundhed.scenario.catchment_setup` (so by ``sundhed solve`` and every sweep scenario).
"""
from __future__ import annotations

from difflib import get_close_matches


def _hint(name: str, known) -> str:
    close = get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_catchment_names(cfg, ds, inst) -> None:
    """Raise ValueError (one line) for catchment settings that name nothing or would be ignored.

    * ``band_exceptions``: every name must be an akutsygehus of the data or of ``add`` (a closed one is fine:
      the default list keeps Thisted when ``close = ["Thisted"]``).
    * ``fixed`` / ``forbidden``: a kommune that hosts an akutsygehus always joins it, so fixing it elsewhere
      (``fixed = {Aalborg = "Odense"}``) or forbidding its own hospital would silently do nothing.
    * ``fixed`` / ``forbidden`` naming a closed akutsygehus.
    """
    c = cfg.catchments
    known = set(ds.hospitals["navn"]) | {a.navn for a in c.add}
    for name in c.band_exceptions:
        if name not in known:
            raise ValueError(f"catchments.band_exceptions: unknown akutsygehus {name!r}{_hint(name, known)}; "
                             f"known: {', '.join(sorted(known))}")
    host_of = {int(k): h for k, h in zip(inst.hospital_kommune, inst.hospitals)}
    code_of = {v: int(k) for k, v in inst.names.items()}
    closed = set(c.close)
    for kommune, h in c.fixed.items():
        code = code_of.get(kommune)
        if h in closed:
            raise ValueError(f"catchments.fixed: {kommune} is fixed to {h!r}, which catchments.close closes")
        if code in host_of and host_of[code] != h:
            raise ValueError(f"catchments.fixed: {kommune} hosts akutsygehus {host_of[code]!r} and always joins "
                             f"it; it cannot be fixed to {h!r}")
    for kommune, h in c.forbidden:
        code = code_of.get(kommune)
        if code in host_of and host_of[code] == h:
            raise ValueError(f"catchments.forbidden: {kommune} hosts akutsygehus {h!r} and always joins it; "
                             "the pair cannot be forbidden")
