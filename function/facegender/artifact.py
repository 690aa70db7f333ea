"""Reading parameter records back from the model card, with no silent defaults."""

from __future__ import annotations

from dataclasses import fields
from typing import TypeVar

T = TypeVar("T")


def strict_dataclass(cls: type[T], values: dict) -> T:
    """``cls(**values)``, refusing missing or unknown fields.

    The dataclasses' defaults are what training starts from; a deployed model must be read
    back with exactly the values it was trained with, so a default never fills a gap.
    """
    names = {f.name for f in fields(cls)}
    missing, unknown = sorted(names - set(values)), sorted(set(values) - names)
    if missing or unknown:
        raise ValueError(f"{cls.__name__} in the model card: missing {missing or 'nothing'}, "
                         f"unknown {unknown or 'nothing'}")
    return cls(**values)
