"""Starting the real thing in subprocesses: CLI commands, gunicorn, the worker.

Used by tests/e2e and tests/browser. Every process runs from the repository root with a clean
`TRACKING_*` environment (only what the test passes), writes its output to a log file, and is
terminated by the test that started it; `dump_logs` prints those files when a test fails.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(**tracking) -> dict:
    """This environment minus any TRACKING_*/DATABASE_URL, plus TRACKING_<key>=<value> for `tracking`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRACKING_") and k != "DATABASE_URL"}
    env.update({f"TRACKING_{key}": str(value) for key, value in tracking.items()})
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def carrier_settings(carriers: dict) -> dict:
    """`app_env` keywords that configure carriers: {"ups": {"client_id": ...}} -> CARRIERS__ups__client_id.

    Flask's `from_prefixed_env` nests on `__` (TRACKING_CARRIERS__ups__client_id lands in
    CARRIERS["ups"]["client_id"]) and JSON-decodes each value first, so a value that reads as
    JSON (`12345`, `true`, `"x"`) would arrive changed: such values are passed JSON-quoted.
    """
    env = {}
    for code, settings in carriers.items():
        for key, value in settings.items():
            value = str(value)
            try:
                json.loads(value)
            except ValueError:
                env[f"CARRIERS__{code}__{key}"] = value
            else:
                env[f"CARRIERS__{code}__{key}"] = json.dumps(value)
    return env


def flask_cli(env: dict, *args: str, timeout: float = 60) -> str:
    """Run `python -m flask --app wsgi ARGS...`; its stdout, or AssertionError with its output."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, (
        f"{' '.join(args)} exited {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )
    return done.stdout


class Process:
    """A long-running subprocess whose stdout and stderr go to `log_path`."""

    def __init__(self, name: str, command: list[str], env: dict, log_path: Path):
        self.name, self.command, self.log_path = name, command, Path(log_path)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM the process group it leads (gunicorn's workers too), SIGKILL after `timeout`."""
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(timeout)
        if not self._log.closed:
            self._log.close()


def _gunicorn_has_control_socket() -> bool:
    """gunicorn >= 25 opens a control socket at ~/.gunicorn/gunicorn.ctl, shared by every instance."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return False
    return any(setting.name == "control_socket" for setting in KNOWN_SETTINGS)


def start_gunicorn(env: dict, port: int, log_dir: Path, workers: int = 2) -> Process:
    """gunicorn as the Procfile runs it, on 127.0.0.1:`port`, logging requests."""
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--access-logfile", "-", "--graceful-timeout", "3"]
    if _gunicorn_has_control_socket():
        # Several servers (tests in parallel, a developer's `make demo`) must not share one socket.
        command.append("--no-control-socket")
    command.append("wsgi:app")
    return Process("gunicorn", command, env, Path(log_dir) / "gunicorn.log")


def start_worker(env: dict, log_dir: Path) -> Process:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
    return Process("worker", command, env, Path(log_dir) / "worker.log")


def wait_healthy(base_url: str, process: Process, timeout: float = 20) -> None:
    """Poll GET /healthz until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not process.alive():
            raise AssertionError(f"{process.name} exited with {process.popen.returncode}:\n{process.log()}")
        try:
            response = requests.get(f"{base_url}/healthz", timeout=2)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise AssertionError(f"{base_url}/healthz not healthy after {timeout}s ({last}):\n{process.log()}")


def dump_logs(processes) -> None:
    """Print each process's log, for a failing test's report."""
    for process in processes:
        print(f"\n===== {process.name} log ({' '.join(process.command[1:])}) =====")
        print(process.log())


def start_shop(directory: Path, slug: str, name: str, user: dict, shipment: dict, workers: int = 2,
               **tracking) -> dict:
    """A migrated SQLite database with one merchant, a console user (`user`: email, password,
    role, name), an API key and `shipment` registered through the API, served by gunicorn.

    Returns {base_url, server, env, key, shipment (the API's JSON), token}; the caller stops
    `server`. Everything goes through the CLI and the API, as an operator and a shop would.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = app_env(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(directory / f"{slug}.sqlite3"),
                  SECRET_KEY=os.urandom(16).hex(), PUBLIC_BASE_URL=base_url, SESSION_COOKIE_SECURE="false",
                  **tracking)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "create-merchant", "--slug", slug, "--name", name)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "create-user", "--merchant", slug,
                           "--email", user["email"], "--role", user["role"], "--name", user["name"]],
                          cwd=ROOT, env=env, input=user["password"] + "\n", capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    key = flask_cli(env, "create-api-key", "--merchant", slug).strip().splitlines()[-1].strip()
    server = start_gunicorn(env, port, directory, workers=workers)
    try:
        wait_healthy(base_url, server)
        created = requests.post(f"{base_url}/api/v1/shipments", headers={"Authorization": f"Bearer {key}"},
                                json=shipment, timeout=10)
        assert created.status_code == 201, created.text
    except BaseException:
        server.stop()
        raise
    body = created.json()
    return {"base_url": base_url, "server": server, "env": env, "key": key, "shipment": body,
            "token": body["tracking_url"].rsplit("/t/", 1)[1]}
