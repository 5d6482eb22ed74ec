"""Circuit breakers per carrier account, kept in the database so every worker shares them."""
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..carriers.base import Outcome
from ..extensions import db
from ..models import CarrierCircuit

log = logging.getLogger(__name__)

# Outcomes that say the carrier, not the number, is in trouble.
CARRIER_FAILURES = {Outcome.SERVER_ERROR, Outcome.TIMEOUT, Outcome.NETWORK_ERROR,
                    Outcome.AUTH_FAILED, Outcome.BAD_RESPONSE}


def open_until(key: str, now: datetime) -> datetime | None:
    """When the circuit for `key` closes again, or None if calls may go ahead now."""
    circuit = db.session.get(CarrierCircuit, key)
    if circuit is not None and circuit.open_until and circuit.open_until > now:
        return circuit.open_until
    return None


def batch_failed(outcomes: list[str]) -> bool:
    """A batch fails the carrier when every number in it failed for a carrier-side reason."""
    return bool(outcomes) and all(o in CARRIER_FAILURES for o in outcomes)


def record(key: str, failed: bool, error: str | None, now: datetime) -> None:
    """Count a batch: failures in a row open the circuit, a success closes it. Commits."""
    circuit = _locked(key)
    cfg = current_app.config
    if not failed:
        if circuit.times_opened:
            log.info("circuit %s closed", key)
        circuit.consecutive_failures, circuit.times_opened, circuit.open_until = 0, 0, None
    else:
        circuit.consecutive_failures += 1
        circuit.last_error = (error or "")[:1000]
        # A batch sent before the circuit opened (another thread's, another worker's) and failing
        # after it did must not open it again: that would double the pause once per batch in flight.
        already_open = circuit.open_until is not None and circuit.open_until > now
        if circuit.consecutive_failures >= cfg["CIRCUIT_FAILURES"] and not already_open:
            circuit.times_opened += 1
            pause = min(cfg["CIRCUIT_OPEN_SECONDS"] * 2 ** (circuit.times_opened - 1),
                        cfg["CIRCUIT_MAX_OPEN_SECONDS"])
            circuit.open_until = now + timedelta(seconds=pause)
            log.warning("circuit %s opened for %ss after %s failed batches: %s", key, pause,
                        circuit.consecutive_failures, circuit.last_error)
    db.session.commit()


def _locked(key: str) -> CarrierCircuit:
    """The circuit row, created on first use, locked against other workers on PostgreSQL."""
    query = db.select(CarrierCircuit).filter_by(key=key).with_for_update()
    circuit = db.session.scalar(query)
    if circuit is None:
        try:
            db.session.add(CarrierCircuit(key=key, consecutive_failures=0, times_opened=0))
            db.session.commit()
        except IntegrityError:  # another worker created it first
            db.session.rollback()
        circuit = db.session.scalar(query)
    return circuit
