"""``make run``: the page and the API on one local server, with the bundled model, no AWS."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .settings import get_settings

REPO_FRONTEND = Path(__file__).resolve().parent.parent.parent / "frontend"


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    from .api import create_app

    settings = get_settings()
    frontend = settings.frontend_dir or REPO_FRONTEND
    origins = settings.cors_origins or (f"http://localhost:{port}", f"http://127.0.0.1:{port}")
    frontend = frontend if frontend.is_dir() else None
    app = create_app(settings=replace(settings, frontend_dir=frontend, cors_origins=origins))
    print(f"facegender is running: open http://{host}:{port}/  (API docs: /docs; Ctrl+C stops)",
          flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
