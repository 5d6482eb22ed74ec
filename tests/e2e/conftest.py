"""End-to-end fixtures: a fresh, empty database per backend, migrated by the real CLI."""
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, so finalizers can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(params=["sqlite", "postgresql"])
def e2e_database_url(request, tmp_path):
    """A database nobody else touches: a SQLite file, or a new PostgreSQL database (dropped after).

    PostgreSQL goes through conftest's `postgres_url`, so it skips when not configured and fails
    when REQUIRE_POSTGRES=1. That database is shared with the in-process tests (which create
    tables with create_all), so migrations get a database of their own on the same server.
    """
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "e2e.sqlite3")
        return
    shared = make_url(request.getfixturevalue("postgres_url"))
    name = f"tracking_e2e_{uuid.uuid4().hex[:8]}"
    admin = create_engine(shared, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield shared.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
