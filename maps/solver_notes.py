"""The solver's notes on a plan, worded for the readers of a map (Danish or English).

Solvers write their notes in English for logs and tables (e.g. ``solver status maxTimeLimit: plan not proven
optimal (gap 0.13%)``). On a map for politicians the known ones are rephrased in the map's language, the
purely technical ones are left out, and any other note is shown as written, so nothing is lost."""
from __future__ import annotations

from sundhed.maps.common import check_lang, fmt_pct

TEXTS = {
    "da": {
        "unproven": ("Planen er ikke bevist at være den bedste: beregningen stoppede ved sin tidsgrænse. "
                     "Den er højst {gap} fra den bedst mulige plan."),
        "within_tolerance": ("Planen er bevist at være højst {gap} fra den bedst mulige plan; beregningen stopper, "
                             "når den er så tæt på."),
        "marginal_unproven": ("Værdien af den sidste mio. kr. er ikke beregnet: den ville være mindre end "
                              "planens usikkerhed."),
    },
    "en": {
        "unproven": ("The plan is not proven to be the best: the solve stopped at its time limit. It is at most {gap} "
                     "from the best possible plan."),
        "within_tolerance": ("The plan is proven to be at most {gap} from the best possible plan; the solve stops "
                             "once it is that close."),
        "marginal_unproven": ("The value of the last mio. kr. is not computed: it would be smaller than the "
                              "plan's uncertainty."),
    },
}
#: notes that only say what a time limit implies for the solver's later stages
_TECHNICAL = ("cheapest-plan stage skipped",)


def solver_notes(plan, lang: str) -> list[str]:
    """``plan.notes`` for a map in ``lang``: "not proven optimal" with the plan's gap (or, for a maxmin bisection
    that closed its bracket, "proven within" that gap) (``plan.stats.gap``, a share
    of the objective), the skipped marginal value, in the map's language; technical notes left out; others as
    written."""
    T = check_lang(lang, TEXTS)
    stats = getattr(plan, "stats", None)
    out = []
    for n in getattr(plan, "notes", None) or []:
        if n.startswith("solver status") and stats is not None and not stats.optimal:
            key = "within_tolerance" if getattr(stats, "status", "") == "maxmin bisection" else "unproven"
            out.append(T[key].format(gap=fmt_pct(stats.gap, lang, 2)))
        elif n.startswith(_TECHNICAL):
            continue
        elif n.startswith("marginal value not computed: the plan is not proven optimal"):
            out.append(T["marginal_unproven"])
        else:
            out.append(n)
    return out
