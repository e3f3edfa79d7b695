"""Solving Pyomo models with HiGHS and turning solutions into plain results.

Data flow: geodata -> model (pure model builders) -> solvers (HiGHS, extraction) -> maps.
"""
from sundhed.solvers.highs import SolveOptions, SolveStats, solve_with_highs, SolverError

__all__ = ["SolveOptions", "SolveStats", "solve_with_highs", "SolverError"]
