"""The image formats the API decodes, for the page's file picker."""

from fastapi import APIRouter

from ...formats import FORMATS
from ..schemas import Formats, ImageFormatOut

router = APIRouter(tags=["formats"])


@router.get("/formats", response_model=Formats)
def formats() -> dict:
    """Each format the API decodes: its name in replies, content types and file endings."""
    return {"formats": [ImageFormatOut(name=f.name, label=f.label, media_types=list(f.media_types),
                                       suffixes=list(f.suffixes)) for f in FORMATS]}
