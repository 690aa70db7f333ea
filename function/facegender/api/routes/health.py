"""Liveness."""

from fastapi import APIRouter

from ..deps import ServiceDep
from ..schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(service: ServiceDep) -> dict:
    """Liveness: the model is loaded, and which version."""
    return {"status": "ok", "model_loaded": True, "model_version": service.model.version}
