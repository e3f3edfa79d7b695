"""maps: offline HTML maps of sundhedsfællesskab (catchment) assignments."""

from maps.catchments import render_catchment_map
from maps.offline import inline_assets

__all__ = ["render_catchment_map", "inline_assets"]
