"""WeasyPrint fetches only from the project's asset folders: nothing else, ever."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from generator.paths import CONTENT, STYLES
from generator.project import Project
from generator.render.pdf import Renderer


@pytest.fixture
def loopback_server():
    """An HTTP server on 127.0.0.1 that counts the requests it gets."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def renderer():
    return Renderer(CONTENT)


def page(body: str) -> str:
    return f"<!DOCTYPE html><html lang=en><title>t</title><body>{body}</body></html>"


def test_image_on_a_loopback_server_is_never_requested(renderer, loopback_server):
    base, requests = loopback_server
    renderer.fetcher.refused.clear()
    result = renderer.render(
        page(
            f'<img src="{base}/pixel.svg"><div style="background: url({base}/bg.svg)">x</div>'
            f'<link rel="stylesheet" href="{base}/style.css">'
        )
    )
    assert requests == []
    assert f"{base}/pixel.svg" in renderer.fetcher.refused
    assert result.pages == 1


def test_file_outside_the_project_is_refused(renderer, tmp_path):
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')
    renderer.fetcher.refused.clear()
    renderer.render(
        page(
            f'<img src="{secret.as_uri()}"><img src="file:///etc/passwd">'
            '<img src="file:///dev/zero"><img src="../../../../etc/hostname">'
        )
    )
    assert secret.as_uri() in renderer.fetcher.refused
    assert "file:///etc/passwd" in renderer.fetcher.refused
    assert "file:///dev/zero" in renderer.fetcher.refused
    assert len(renderer.fetcher.refused) == 4


def test_symlink_out_of_an_asset_folder_is_refused(tmp_path):
    assets = tmp_path / "assets"  # an asset folder of the test's own, never tests/data
    assets.mkdir()
    inside = assets / "inside.svg"
    inside.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')
    target = tmp_path / "outside.svg"
    target.write_text(inside.read_text())
    link = assets / "link-out.svg"
    link.symlink_to(target)
    fetcher = Renderer(assets).fetcher
    assert fetcher.fetch(inside.as_uri()).content_type == "image/svg+xml"  # the folder serves
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(link.as_uri())
    assert fetcher.refused == [link.as_uri()]


def test_asset_folders_are_served(renderer):
    response = renderer.fetcher.fetch((STYLES / "print.css").as_uri())
    assert b"@page" in response.read()
    response = renderer.fetcher.fetch((CONTENT / "harbor-logo.svg").as_uri())
    assert response.content_type == "image/svg+xml"


def test_the_demo_sheet_fetches_only_its_own_stylesheet_and_its_logo():
    """A new project, as `make demo` starts: the session's shared one may already hold this
    kind's base, and a sheet made from it fetches nothing at all."""
    from .test_sheet import jane

    project = Project(CONTENT)
    fetcher = project.renderer.fetcher
    result = project.render("microneedling", jane())
    assert fetcher.refused == []
    # print.css's @import of the shared phase colours, and the logo: nothing else
    assert fetcher.fetched == [STYLES / "phases.css", project.clinic.logo.resolve()]
    assert result.warnings == []
