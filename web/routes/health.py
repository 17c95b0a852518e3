"""Whether the service answers."""

from __future__ import annotations

from fastapi import APIRouter

from web.deps import ServicesDep
from web.schemas import Health

router = APIRouter()


@router.get("/healthz", response_model=Health, tags=["health"])
def healthz(services: ServicesDep) -> Health:
    services.store.ping()
    return Health(status="ok", scheduler=services.scheduler is not None)
