"""Today's date as a dependency: what is open or upcoming changes with it, and tests freeze it
with ``app.dependency_overrides[today]`` instead of patching the clock."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends


def today() -> date:
    return date.today()


Today = Annotated[date, Depends(today)]
