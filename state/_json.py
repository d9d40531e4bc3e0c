"""JSON encoding shared by the JSON columns and the audit hash, so both see exactly the same values."""

import json
from datetime import date, datetime


def _default(value: object) -> str:
    # Timestamps are the one non-JSON type callers routinely put in evidence and audit data.
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable; convert it to str, int, float, list or dict")


def dumps(value: object) -> str:
    return json.dumps(value, default=_default, allow_nan=False, ensure_ascii=False)


def canonical(value: object) -> str:
    """The one byte-stable spelling of a JSON value: sorted keys, no whitespace."""
    return json.dumps(
        value, default=_default, allow_nan=False, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def normalized(value: object) -> object:
    """The value as a JSON column gives it back (tuples become lists, datetimes ISO strings)."""
    return json.loads(dumps(value))
