"""The module graph in figures: modules per layer, files over 400 lines, the longest functions, imports
between layers, and the results of ``ruff check .`` and ``mypy``.

    python benchmarks/architecture.py [--no-tools]

Read with ``ast`` from the five layer folders (the same files ``tests/test_layers.py`` checks).
"""
from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("geodata", "model", "solvers", "maps", "sundhed")


def layer_files() -> dict[str, list[Path]]:
    return {ly: sorted(p for p in (ROOT / ly).glob("*.py") if not p.is_symlink()) for ly in LAYERS}


def functions(path: Path) -> list[tuple[int, str]]:
    """(lines, qualified name) of every function and method, nested ones included."""
    out: list[tuple[int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert child.end_lineno is not None
                out.append((child.end_lineno - child.lineno + 1, f"{prefix}{child.name}"))
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(ast.parse(path.read_text(encoding="utf-8")), "")
    return out


def layer_imports(files: dict[str, list[Path]]) -> Counter:
    edges: Counter = Counter()
    for layer, paths in files.items():
        for p in paths:
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                        [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                for m in mods:
                    parts = m.split(".")
                    if parts[0] == "sundhed":
                        target = parts[1] if len(parts) > 1 and parts[1] in LAYERS else "sundhed"
                        if target != layer:
                            edges[(layer, target)] += 1
    return edges


def tool(cmd: list[str]) -> str:
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [ln for ln in (r.stdout + r.stderr).strip().splitlines() if ln.strip()]
    return f"exit {r.returncode}: {lines[-1] if lines else ''}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-tools", action="store_true", help="skip ruff and mypy")
    args = ap.parse_args()
    files = layer_files()
    print("modules per layer (files, lines):")
    for layer, paths in files.items():
        n = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)
        print(f"  {layer:8s} {len(paths):3d} modules {n:6,d} lines")
    sizes = sorted(((len(p.read_text(encoding="utf-8").splitlines()), p) for ps in files.values() for p in ps),
                   key=lambda t: t[0], reverse=True)
    print("files over 400 lines:", ", ".join(f"{p.relative_to(ROOT)} ({n})" for n, p in sizes if n > 400) or "none")
    print("largest files:", ", ".join(f"{p.relative_to(ROOT)} ({n})" for n, p in sizes[:5]))
    funcs = sorted(((n, f"{p.relative_to(ROOT)}:{name}") for ps in files.values() for p in ps
                    for n, name in functions(p)), reverse=True)
    print("longest functions (lines):")
    for n, name in funcs[:5]:
        print(f"  {n:4d}  {name}")
    print("imports between layers (from -> to: count):")
    for (a, b), n in sorted(layer_imports(files).items()):
        print(f"  {a} -> {b}: {n}")
    if not args.no_tools:
        print("ruff check .:", tool([sys.executable, "-m", "ruff", "check", "."]))
        print("mypy:", tool([sys.executable, "-m", "mypy"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
