"""Picking carriers from the shape of a tracking number."""
from .registry import known_carriers


def detect(tracking_number: str) -> list[str]:
    """Codes of the installed carriers whose number format matches, best first."""
    return sorted(code for code, cls in known_carriers().items() if cls.recognises(tracking_number))
