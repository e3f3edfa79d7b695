"""maps: offline HTML map reports — catchments (Model 1), sundhedshuse (Model 2), akutbiler (Model 3)."""

from sundhed.maps.akutbiler import render_ems_map
from sundhed.maps.catchments import render_catchment_map
from sundhed.maps.houses import render_house_map
from sundhed.maps.offline import inline_assets

__all__ = ["render_catchment_map", "render_house_map", "render_ems_map", "inline_assets"]
