"""Simple district boundaries for the demo city: ``org/<date>/districts.geojson`` (SPEC 3, optional).

Rough rectangles placed where Xiamen's districts lie (the island's south and north, the mainland
west, north-west, north and north-east), enough for the report's offline choropleth; not survey
data. A district without a shape here gets a cell of a grid to the east so every district shows.
"""

from __future__ import annotations

import json
from pathlib import Path

# district -> (west, south, east, north), degrees
BOXES = {
    "思明区": (118.06, 24.42, 118.20, 24.49),
    "湖里区": (118.06, 24.49, 118.20, 24.56),
    "海沧区": (117.90, 24.42, 118.05, 24.56),
    "集美区": (117.90, 24.56, 118.12, 24.72),
    "同安区": (118.00, 24.72, 118.25, 24.95),
    "翔安区": (118.12, 24.56, 118.40, 24.72),
}


def feature_collection(districts: list[str]) -> dict:
    features = []
    extra = 0
    for name in districts:
        box = BOXES.get(name)
        if box is None:
            box = (118.45 + 0.1 * extra, 24.42, 118.54 + 0.1 * extra, 24.52)
            extra += 1
        west, south, east, north = box
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        features.append({"type": "Feature", "properties": {"district": name},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": features}


def write_district_boundaries(folder: Path, districts: list[str]) -> Path:
    """Write ``districts.geojson`` for ``districts`` (each once, in order) into the org folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "districts.geojson"
    path.write_text(json.dumps(feature_collection(list(dict.fromkeys(districts))), ensure_ascii=False),
                    encoding="utf-8")
    return path
