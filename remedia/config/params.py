"""``--param name=value`` pairs from the command line, turned into a parameters dict.

Values are read as JSON when they parse (``quality=90``, ``clahe=true``, ``size=[1,2]``) and as
plain strings otherwise (``white_balance=gray-world``); the flow's pydantic model then checks
them, so the command line needs no knowledge of any flow's types.
"""

from __future__ import annotations

import json
from typing import Any


class ParamSyntaxError(ValueError):
    """A ``--param`` argument is not of the form ``name=value``."""


def parse_param_pairs(pairs: list[str]) -> dict[str, Any]:
    """``["quality=90", "format=png"]`` -> ``{"quality": 90, "format": "png"}``."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name:
            raise ParamSyntaxError(
                f"--param {pair!r} is not of the form name=value, e.g. --param quality=90"
            )
        params[name] = _value(raw)
    return params


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw
