"""The production static files storage: WhiteNoise's compressed, hashed storage that
tolerates a missing source map.

``leaflet.markercluster.js`` (XStatic-Leaflet-MarkerCluster) ends with a
``sourceMappingURL`` comment naming a map the package does not ship; Django's
manifest storage would stop ``collectstatic`` on it. A missing source map only
costs a browser's developer tools the original sources, so the reference is left
as it is; any other missing file still fails.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if name.endswith(".map") and content is None:
                return name
            raise
