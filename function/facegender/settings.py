"""One settings object, read once from the environment.

Every environment variable the service reads is named here and nowhere else; explicit
arguments to functions always win over these defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL_DIR = PACKAGE_DIR.parent / "model"

# Environment variable names, each read once.
ENV_MODEL_DIR = "FACEGENDER_MODEL_DIR"
ENV_MAX_IMAGE_BYTES = "FACEGENDER_MAX_IMAGE_BYTES"
ENV_MAX_PIXELS = "FACEGENDER_MAX_PIXELS"
ENV_MAX_FACES = "FACEGENDER_MAX_FACES"
ENV_CORS_ORIGINS = "FACEGENDER_CORS_ORIGINS"
ENV_FRONTEND_DIR = "FACEGENDER_FRONTEND_DIR"
ENV_MAX_CONCURRENT = "FACEGENDER_MAX_CONCURRENT"

# Lambda's synchronous payload limit is 6 MB; base64 grows bytes by 4/3 and the JSON
# envelope needs a little room, so 4.4 MB of image is the most a request can carry.
DEFAULT_MAX_IMAGE_BYTES = 4_400_000
# 40 megapixels holds any phone photo; 4 bytes a pixel keeps one decode under 160 MB.
DEFAULT_MAX_PIXELS = 40_000_000
MAX_FACES_LIMIT = 100


def _int_env(name: str, default: int, *, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Limits and paths of the service. Validated when built."""

    model_dir: Path = DEFAULT_MODEL_DIR
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    default_max_faces: int = 20
    #: Faces per request that get an occlusion map (the largest): each costs the model about
    #: two hundred evaluations (``python -m benchmarks explain``).
    max_explained_faces: int = 5
    max_concurrent: int = field(default_factory=lambda: os.cpu_count() or 1)
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    frontend_dir: Path | None = None

    @property
    def max_body_bytes(self) -> int:
        """Largest request body: the image as base64 plus room for the JSON envelope."""
        return self.max_image_bytes * 4 // 3 + 64 * 1024

    @classmethod
    def from_env(cls) -> "Settings":
        origins = os.environ.get(ENV_CORS_ORIGINS, "")
        frontend = os.environ.get(ENV_FRONTEND_DIR)
        return cls(
            model_dir=Path(os.environ.get(ENV_MODEL_DIR) or DEFAULT_MODEL_DIR),
            max_image_bytes=_int_env(
                ENV_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_BYTES, low=1024, high=50_000_000
            ),
            max_pixels=_int_env(ENV_MAX_PIXELS, DEFAULT_MAX_PIXELS, low=10_000, high=200_000_000),
            default_max_faces=_int_env(ENV_MAX_FACES, 20, low=1, high=MAX_FACES_LIMIT),
            max_concurrent=_int_env(ENV_MAX_CONCURRENT, os.cpu_count() or 1, low=1, high=64),
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            frontend_dir=Path(frontend) if frontend else None,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
