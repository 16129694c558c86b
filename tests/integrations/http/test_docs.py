"""API docs and version: /docs and /redoc load their assets from this server (no CDN), /healthz names the version."""

from __future__ import annotations

import re
from pathlib import Path

from assistant import __version__
from integrations.http.app import create_app
from tests.conftest import hash_settings

from .helpers import KEYRING, running


def test_docs_and_redoc_load_every_asset_from_this_server(tmp_path: Path) -> None:
    """A failure means /docs or /redoc needs the network (a CDN) and shows a blank page offline."""
    with running(create_app(hash_settings(tmp_path / "data"), keys=KEYRING)) as client:
        for page in ("/docs", "/redoc"):
            response = client.get(page)
            assert response.status_code == 200, page
            assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", response.text)
            scripts = [a for a in assets if a.endswith((".js", ".css"))]
            assert scripts, (page, assets)
            for asset in scripts:
                assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
                assert client.get(asset).status_code == 200, asset
            assert "fonts.googleapis" not in response.text
        assert client.get("/openapi.json").json()["info"]["version"] == __version__
