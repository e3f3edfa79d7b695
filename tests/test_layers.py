"""The layers import one way: geodata -> model -> solvers -> maps, and ``sundhed`` (cli, config, steps,
scenario, sweep) composes them. Read with ``ast`` (every import, also those inside functions), so a lazy
upward import fails too. Within ``model/`` only the instance builders (``national*.py``) read geodata, and no
map imports a solver."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: layer -> rank; a module may import its own layer and lower ranks only.
LAYERS = {"geodata": 0, "model": 1, "solvers": 2, "maps": 3, "sundhed": 4}
MAX_LINES = 400


def _layer_files() -> list[tuple[str, Path]]:
    out = []
    for layer in LAYERS:
        d = ROOT / layer
        out += [(layer, p) for p in sorted(d.glob("*.py")) if not p.is_symlink()]
    return out


def _imported_layers(path: Path) -> list[tuple[int, str, str]]:
    """(line, imported module, its layer) for every ``sundhed...`` import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names] if node.module == "sundhed" \
                else [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path}:{node.lineno}: relative import; use the full sundhed.* name")
        for name in names:
            parts = name.split(".")
            if parts[0] in ("model", "geodata", "solvers", "maps"):
                raise AssertionError(f"{path}:{node.lineno}: 'import {name}': import as sundhed.{name}")
            if parts[0] != "sundhed":
                continue
            layer = parts[1] if len(parts) > 1 and parts[1] in LAYERS else "sundhed"
            found.append((node.lineno, name, layer))
    return found


def test_every_layer_has_modules():
    counts = {layer: sum(1 for ly, _ in _layer_files() if ly == layer) for layer in LAYERS}
    assert all(n > 0 for n in counts.values()), counts


@pytest.mark.parametrize("layer, path", _layer_files(), ids=lambda x: str(x.relative_to(ROOT)) if isinstance(x, Path) else x)
def test_no_upward_import(layer, path):
    bad = [f"line {ln}: {name} ({target} is above {layer})" for ln, name, target in _imported_layers(path)
           if LAYERS[target] > LAYERS[layer]]
    assert not bad, f"{path.relative_to(ROOT)} imports upward: " + "; ".join(bad)


def test_only_instance_builders_bridge_geodata_into_model():
    readers = sorted(p.name for layer, p in _layer_files() if layer == "model"
                     and any(t == "geodata" for _, _, t in _imported_layers(p)))
    assert readers and all(n.startswith("national") for n in readers), readers


def test_maps_never_call_a_solver():
    bad = [(p.name, name) for layer, p in _layer_files() if layer == "maps"
           for _, name, t in _imported_layers(p) if t == "solvers"]
    assert not bad, bad


def test_the_checker_sees_an_upward_import(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from sundhed.maps.common import esc\n    import sundhed.cli\n", encoding="utf-8")
    assert [(t) for _, _, t in _imported_layers(f)] == ["maps", "sundhed"]


def test_no_file_over_400_lines_without_a_reason():
    """A long module says why in its docstring ("Longer than 400 lines: ...")."""
    long = []
    for _, p in _layer_files():
        n = len(p.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or ""
            if "Longer than 400 lines:" not in doc:
                long.append(f"{p.relative_to(ROOT)} ({n} lines)")
    assert not long, "split these or give the reason in the module docstring: " + ", ".join(long)
