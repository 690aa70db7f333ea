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
ENV_MAX_EXPLAINED_FACES = "FACEGENDER_MAX_EXPLAINED_FACES"
ENV_CORS_ORIGINS = "FACEGENDER_CORS_ORIGINS"
ENV_FRONTEND_DIR = "FACEGENDER_FRONTEND_DIR"
ENV_MAX_CONCURRENT = "FACEGENDER_MAX_CONCURRENT"
# The S3 batch handler writes its result lines to this bucket (template.yaml: BatchBucket).
ENV_RESULTS_BUCKET = "FACEGENDER_RESULTS_BUCKET"

MAX_FACES_LIMIT = 100
# Lambda's synchronous payload limit is 6 MB; base64 grows bytes by 4/3 and the JSON envelope
# needs a little room, so 4.4 MB of image is the most a request can carry.
DEFAULT_MAX_IMAGE_BYTES = 4_400_000
# 40 megapixels holds any phone photo. One decode peaks near 7 bytes a pixel for JPEG and PNG,
# turned or not (280 MB here), and near 16 for WebP, Pillow's decoder alone (650 MB).
DEFAULT_MAX_PIXELS = 40_000_000
#: Faces classified when a request does not say (FACEGENDER_MAX_FACES changes it).
DEFAULT_MAX_FACES = 20
#: Faces per request that get an occlusion map, the largest (FACEGENDER_MAX_EXPLAINED_FACES): each
#: costs the model about two hundred evaluations (``python -m benchmarks explain``).
DEFAULT_MAX_EXPLAINED_FACES = 5
#: The longest side the page shrinks a photo to before uploading it, and the size the "too
#: large" messages suggest: detection needs far less, and a JPEG that size is well under the limit.
UPLOAD_MAX_SIDE = 2048
#: The most FACEGENDER_MAX_PIXELS may be; Pillow's own bomb check stands here (imaging.py).
MAX_PIXELS_LIMIT = 200_000_000
#: The most FACEGENDER_MAX_CONCURRENT may be; the default stops here on larger machines.
MAX_CONCURRENT_LIMIT = 64


def _cpu_count() -> int:
    return min(os.cpu_count() or 1, MAX_CONCURRENT_LIMIT)


@dataclass(frozen=True)
class Settings:
    """Limits and paths of the service: each default written here once. Validated when built."""

    model_dir: Path = DEFAULT_MODEL_DIR
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    default_max_faces: int = DEFAULT_MAX_FACES
    max_explained_faces: int = DEFAULT_MAX_EXPLAINED_FACES
    # Requests decoded and searched at once, each with its own cascades (service.py).
    max_concurrent: int = field(default_factory=_cpu_count)
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    frontend_dir: Path | None = None

    def __post_init__(self):
        for name, (variable, low, high) in _INT_FIELDS.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name} ({variable}) must be between {low} and {high}, "
                                 f"got {value}")

    @property
    def max_body_bytes(self) -> int:
        """Largest request body: the image as base64 plus room for the JSON envelope."""
        return self.max_image_bytes * 4 // 3 + 64 * 1024

    @classmethod
    def from_env(cls) -> "Settings":
        """The settings with each variable that is set; the defaults above for the others."""
        values: dict = {name: _int_env(variable) for name, (variable, _, _) in _INT_FIELDS.items()
                        if os.environ.get(variable, "").strip()}
        if os.environ.get(ENV_MODEL_DIR):
            values["model_dir"] = Path(os.environ[ENV_MODEL_DIR])
        origins = os.environ.get(ENV_CORS_ORIGINS, "")
        values["cors_origins"] = tuple(o.strip() for o in origins.split(",") if o.strip())
        if os.environ.get(ENV_FRONTEND_DIR):
            values["frontend_dir"] = Path(os.environ[ENV_FRONTEND_DIR])
        return cls(**values)


#: Integer settings: field -> (environment variable, lowest, highest).
_INT_FIELDS = {
    "max_image_bytes": (ENV_MAX_IMAGE_BYTES, 1024, 50_000_000),
    "max_pixels": (ENV_MAX_PIXELS, 10_000, MAX_PIXELS_LIMIT),
    "default_max_faces": (ENV_MAX_FACES, 1, MAX_FACES_LIMIT),
    "max_explained_faces": (ENV_MAX_EXPLAINED_FACES, 1, MAX_FACES_LIMIT),
    "max_concurrent": (ENV_MAX_CONCURRENT, 1, MAX_CONCURRENT_LIMIT),
}


def _int_env(name: str) -> int:
    raw = os.environ[name]
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
