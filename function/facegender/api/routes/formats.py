"""The image formats the API decodes, for the page's file picker."""

from fastapi import APIRouter

from ...formats import FORMATS
from ..schemas import Formats

router = APIRouter(tags=["formats"])


@router.get("/formats", response_model=Formats)
def formats() -> dict:
    """Each format the API decodes: its name in replies, content types and file endings."""
    return {"formats": [f._asdict() for f in FORMATS]}
