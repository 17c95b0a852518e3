"""The dependencies routes declare: the service objects, who asks, today's date.

>>> async def page(services: ServicesDep, viewer: ViewerDep) -> …
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends

from kb.viewer import Viewer
from ops.services import Services
from web.access import require, services_of, viewer_of


def today() -> date:
    """Today's date: what is open or upcoming changes with it, and tests freeze it with
    ``app.dependency_overrides[today]`` instead of patching the clock."""
    return date.today()


ServicesDep = Annotated[Services, Depends(services_of)]
ViewerDep = Annotated[Viewer, Depends(viewer_of)]
Editor = Annotated[Viewer, Depends(require("editor"))]
Admin = Annotated[Viewer, Depends(require("admin"))]
Today = Annotated[date, Depends(today)]
