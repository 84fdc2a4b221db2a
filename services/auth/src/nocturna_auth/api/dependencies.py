"""Dependencies every auth route module shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from nocturna_platform.http.state import from_app_state

from nocturna_auth.application.use_cases import AuthUseCases

UseCases = Annotated[AuthUseCases, Depends(from_app_state("use_cases"))]
