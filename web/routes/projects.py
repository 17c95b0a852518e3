"""The project database: ``/projekte`` and ``/api/projects``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from kb.formatting import german_key
from ops import projects
from ops.projects import ProjectFilter, ProjectList
from ops.topics import TOPICS
from web.deps import ServicesDep, ViewerDep
from web.rendering import render

router = APIRouter()


def project_filter(
    city: Annotated[str, Query(max_length=100, description="City of the organisation.")] = "",
    state: Annotated[str, Query(max_length=100, description="Federal state of its city.")] = "",
    topic: Annotated[str, Query(max_length=100, description="One of the topics.")] = "",
    q: Annotated[str, Query(max_length=200, description="Part of its name or an alias.")] = "",
    kind: Annotated[
        str, Query(max_length=50, description="project, body, network, police, …")
    ] = "",
) -> ProjectFilter:
    return ProjectFilter(city, state, topic, q, kind)


Filter = Annotated[ProjectFilter, Depends(project_filter)]


@router.get("/api/projects", response_model=ProjectList, tags=["projects"])
def api_projects(services: ServicesDep, viewer: ViewerDep, chosen: Filter) -> ProjectList:
    """Projects and organisations with their city, state, topics and documents."""
    found = projects.matching(projects.database(services, viewer), chosen)
    return ProjectList(total=len(found), projects=found)


@router.get("/projekte", response_class=HTMLResponse, include_in_schema=False)
def projects_page(
    services: ServicesDep, viewer: ViewerDep, request: Request, chosen: Filter
) -> Any:
    everything = projects.database(services, viewer)
    return render(
        request,
        "projects.html",
        {
            "projects": projects.matching(everything, chosen),
            "chosen": chosen,
            "cities": sorted({p.city for p in everything if p.city}, key=german_key),
            "states": sorted({p.state for p in everything if p.state}, key=german_key),
            "kinds": sorted({p.kind for p in everything if p.kind}),
            "topics": list(TOPICS),
        },
    )
