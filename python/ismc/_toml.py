"""A study given as a dict, written as the TOML text the study readers take."""

import math
import numbers


def _value(field, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if hasattr(value, "tolist"):  # a NumPy array or scalar
        return _value(field, value.tolist())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(field, v) for v in value) + "]"
    raise ValueError(f"{field}: got a value of type {type(value).__name__}, "
                     "expected a number, a string, a bool or a list of them")


def dict_to_toml(study):
    """TOML text of {section: {key: value}}; raises ValueError naming a bad entry."""
    lines = []
    for section, keys in study.items():
        if not isinstance(keys, dict):
            raise ValueError(f"{section}: got a value of type {type(keys).__name__}, "
                             "expected a dict of keys (one per study-file section)")
        lines.append(f"[{section}]")
        for key, value in keys.items():
            lines.append(f"{key} = {_value(f'{section}.{key}', value)}")
        lines.append("")
    return "\n".join(lines)
