"""maps: offline HTML map reports — catchments (Model 1), sundhedshuse (Model 2), akutbiler (Model 3).

The renderers are imported on first use (PEP 562), so the modules that draw no folium map (the sweep report,
the summary and print pages) do not pay about 1 s for importing folium."""
from __future__ import annotations

import importlib
from typing import Any

_RENDERERS = {"render_ems_map": "akutbiler", "render_catchment_map": "catchments", "render_house_map": "houses",
              "inline_assets": "offline"}
__all__ = ["render_catchment_map", "render_house_map", "render_ems_map", "inline_assets"]


def __getattr__(name: str) -> Any:
    if name in _RENDERERS:
        return getattr(importlib.import_module(f"sundhed.maps.{_RENDERERS[name]}"), name)
    raise AttributeError(f"module 'sundhed.maps' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
