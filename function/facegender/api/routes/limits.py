"""The API's limits and the values the page shows, so that the page holds no copy of them."""

from fastapi import APIRouter

from ...eigenfaces import EIGENFACES_SHOWN
from ...explain import LABEL_COLOURS
from ...settings import MAX_FACES_LIMIT, UPLOAD_MAX_SIDE
from ..deps import ServiceDep
from ..schemas import Limits

router = APIRouter(tags=["limits"])


@router.get("/limits", response_model=Limits)
def limits(service: ServiceDep) -> dict:
    """Sizes and defaults of this deployment (its settings), the eigenfaces shown, label colours."""
    settings = service.settings
    return {
        "max_faces": {"default": settings.default_max_faces, "minimum": 1,
                      "maximum": MAX_FACES_LIMIT},
        "max_image_bytes": settings.max_image_bytes,
        "max_pixels": settings.max_pixels,
        "upload_max_side": UPLOAD_MAX_SIDE,
        "eigenfaces_shown": EIGENFACES_SHOWN,
        "max_explained_faces": settings.max_explained_faces,
        "label_colours": LABEL_COLOURS,
    }
