"""The base of every settings model in desk.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    # A typo in desk.toml ("lable = ...") is refused, not silently dropped.
    # `populate_by_name`: a key that is a Python word (`from`, `else`) has an
    # alias, and code may use either name.
    model_config = ConfigDict(extra="forbid", validate_assignment=True,
                              populate_by_name=True)
