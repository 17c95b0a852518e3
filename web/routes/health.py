"""Whether the service answers (``/healthz``) and is ready to serve (``/readyz``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ops.health import readiness
from web.deps import ServicesDep
from web.schemas import Health, Ready

router = APIRouter()


@router.get("/healthz", response_model=Health, tags=["health"])
def healthz(services: ServicesDep) -> Health:
    """The process answers; ``scheduler``: it runs the service's jobs."""
    return Health(status="ok", scheduler=services.scheduler is not None)


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": Ready, "description": "Not ready: the checks say why."}},
    tags=["health"],
)
def readyz(request: Request, services: ServicesDep) -> JSONResponse:
    """The store answers, the index opens, and the jobs run where they should."""
    found = readiness(services, getattr(request.app.state, "scheduling", None))
    ready = Ready(status="ready" if found.ready else "not ready", checks=found.checks)
    return JSONResponse(ready.model_dump(), status_code=200 if found.ready else 503)
