"""Checks for the settings a learner types (sizes, counts, rates), with errors that say what to do.

One place decides what a setting may be, so the network, the training loop, the dashboard
and the command line accept and refuse the same values. A whole number may come as 100 or
100.0 (a slider or a division gives floats); True, 50.5, NaN or "100" are refused.
"""
import math
import numbers


def whole_number(value, name, minimum=1, maximum=None):
    """``value`` as an int if it is a whole number in [minimum, maximum]; else a ValueError."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value != int(value)):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f"at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{name} must be a whole number {allowed}, not {value!r}")
    return int(value)


def positive_number(value, name):
    """``value`` as a float if it is a finite number above 0; else a ValueError."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        raise ValueError(f"{name} must be a positive finite number, not {value!r}")
    return float(value)
