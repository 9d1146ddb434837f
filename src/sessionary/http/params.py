"""Bounded query and path parameters (Litestar ``Parameter``), built from ``domain/limits.py``
like the body types of ``bounds.py``: a value out of range is refused before the handler runs
and becomes the dialect's invalid-input error."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from ..domain import limits

PositionQuery = Annotated[int | None, Parameter(ge=0, le=limits.INT64_MAX)]
SeqQuery = Annotated[int, Parameter(ge=1, le=limits.SEQ_MAX)]
OptionalSeqQuery = Annotated[int | None, Parameter(ge=1, le=limits.SEQ_MAX)]
OrdinalQuery = Annotated[int | None, Parameter(ge=0, le=limits.SEQ_MAX)]
SubjectKindPath = Annotated[str, Parameter(min_length=1, max_length=limits.SUBJECT_KIND)]
SubjectIdPath = Annotated[str, Parameter(min_length=1, max_length=limits.SUBJECT_ID)]
