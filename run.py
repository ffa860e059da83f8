#!/usr/bin/env python3
"""Run the CRM on a fresh machine with nothing but Python 3.11+.

    python3 run.py demo [--host 127.0.0.1] [--port 8000]   # migrate, seed demo data, serve + Celery
    python3 run.py test [pytest args...]                    # the whole test suite
    python3 run.py setup                                    # only create/update .venv

Both create .venv on first use and reinstall dependencies only when pyproject.toml changed.
Standard library only: this file runs before any dependency is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".crm-installed-pyproject.sha256"
PYPROJECT = ROOT / "pyproject.toml"
DEMO_USERS = ("admin", "cityhead", "supervisor", "agent", "engineer", "dept", "contractor", "manager")
DEMO_PASSWORD = "demo1234"
MIN_PYTHON = (3, 11)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def fail(message: str, code: int = 1) -> int:
    print(f"run.py: {message}", file=sys.stderr, flush=True)
    return code


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def run(args: list[str | os.PathLike], **kwargs) -> None:
    """Run a setup step; stop with its exit code when it fails."""
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, **kwargs)
    if completed.returncode != 0:
        raise SystemExit(fail(f"step failed ({completed.returncode}): {' '.join(map(str, args))}"))


def ensure_venv() -> Path:
    """Create .venv if missing; install the project with its dev extra when pyproject.toml changed."""
    if sys.version_info < MIN_PYTHON:
        raise SystemExit(fail(f"Python {'.'.join(map(str, MIN_PYTHON))}+ is required, this is {sys.version}"))
    python = venv_python()
    if not python.exists():
        say(f"Creating the virtual environment in {VENV.name}/ …")
        run([sys.executable, "-m", "venv", VENV])
    wanted = hashlib.sha256(PYPROJECT.read_bytes()).hexdigest()
    installed = STAMP.read_text().strip() if STAMP.exists() else ""
    if installed != wanted:
        say("Installing dependencies… (pip install -e '.[dev]'; the first time takes a few minutes)")
        run([python, "-m", "pip", "install", "--upgrade", "--quiet", "pip"])
        run([python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"])
        STAMP.write_text(wanted + "\n")
        say("Dependencies installed.")
    else:
        say("Dependencies are up to date (pyproject.toml unchanged).")
    return python


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(python: Path, *args: str) -> None:
    run([python, "manage.py", *args], env=child_env())


def wait_for_port(host: str, port: int, processes: list[subprocess.Popen], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(processes: dict[str, subprocess.Popen], grace: float = 10) -> None:
    """Ask every child still running to stop (SIGTERM), then kill what is left after `grace` seconds."""
    for process in processes.values():
        signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"The {name} did not stop in {grace:.0f}s; killing it.")
            process.kill()
            process.wait()
        # Its own children too (Celery's embedded beat), even when the parent already died.
        signal_group(process, signal.SIGTERM)


def signal_group(process: subprocess.Popen, signum: int) -> None:
    """Each child leads its own process group (start_new_session), so its children get the signal too."""
    try:
        if os.name == "nt":
            if process.poll() is None:
                process.terminate()
        else:
            os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def command_demo(options: argparse.Namespace) -> int:
    # The demo runs with DEBUG off (the CRM's own 404 and 500 pages) but keeps the public development
    # keys, plain http and static files served by WhiteNoise from the source folders (crm.settings, DEMO).
    os.environ.setdefault("DEMO", "1")
    python = ensure_venv()
    say("Applying database migrations…")
    manage(python, "migrate", "--noinput")
    if not any(ROOT.glob("*/locale/*/LC_MESSAGES/*.po")) and not any(ROOT.glob("locale/*/LC_MESSAGES/*.po")):
        say("No translation catalogues to compile.")
    elif shutil.which("msgfmt"):
        say("Compiling translations…")
        compiled = subprocess.run(
            [str(python), "manage.py", "compilemessages", "--ignore=.venv", "--ignore=var"],
            cwd=ROOT,
            env=child_env(),
        )
        if compiled.returncode != 0:
            say("compilemessages failed: using the committed translations (.mo files).")
    else:
        say("msgfmt not found: using the committed translations (.mo files).")
    host, port = options.host, options.port
    # Links the demo prints and sends (a survey's, the club's sign-up page) point at this server.
    any_address = host in ("0.0.0.0", "::", "")  # nosec B104  # a comparison: it binds nothing
    link_host = "127.0.0.1" if any_address else f"[{host}]" if ":" in host else host
    os.environ.setdefault("SITE_URL", f"http://{link_host}:{port}")
    say("Loading demo data (seed_demo)…")
    manage(python, "seed_demo")

    env = child_env()
    say(f"Starting the web server on {host}:{port} and a Celery worker with embedded beat…")
    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def on_signal(signum, frame):  # Ctrl-C or SIGTERM: stop the children, each with its group.
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        processes["web server"] = subprocess.Popen(
            [str(python), "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        processes["celery worker"] = subprocess.Popen(
            [str(python), "-m", "celery", "-A", "crm", "worker", "-B", "--pool=solo", "--loglevel=info"]
            # Every queue of crm/queues.py (tests/crm/test_queues.py checks), and Celery's default.
            + ["--queues=sweeps,messages,bulk,reports,celery"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        if wait_for_port(host, port, list(processes.values())):
            url = f"http://{host}:{port}/"
            print(
                "\n"
                f"  The CRM is running at {url}  (admin: {url}admin/, API docs: {url}api/docs/)\n"
                f"  Demo logins (password {DEMO_PASSWORD}): {', '.join(DEMO_USERS)}\n"
                f"  The club's public sign-up page: {url}club/join/ (a survey link to try is printed above)\n"
                "  Press Ctrl-C to stop.\n",
                flush=True,
            )
        exit_code = 0
        while not stopping:
            dead = {name: p.returncode for name, p in processes.items() if p.poll() is not None}
            if dead:
                for name, code in dead.items():
                    print(f"run.py: the {name} exited with code {code}; stopping the rest.", file=sys.stderr)
                code = next(iter(dead.values()))
                exit_code = code if code > 0 else 128 - code if code < 0 else 1
                break
            time.sleep(0.5)
        say("Stopping…")
        stop(processes)
        say("Stopped.")
        return exit_code
    finally:
        stop(processes, grace=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def command_test(pytest_args: list[str]) -> int:
    python = ensure_venv()
    say(f"Running the test suite: pytest {' '.join(pytest_args)}".rstrip())
    # Ctrl-C goes to pytest (same process group); we just wait for its exit code.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return subprocess.call([str(python), "-m", "pytest", *pytest_args], cwd=ROOT, env=child_env())


def main(argv: list[str]) -> int:
    if argv[:1] == ["test"]:
        # Everything after "test" belongs to pytest, untouched by argparse.
        return command_test(argv[1:])
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="migrate, seed demo data, run the web server and a Celery worker")
    demo.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    demo.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    commands.add_parser("test", help="run the whole pytest suite; extra arguments go to pytest")
    commands.add_parser("setup", help="only create or update .venv")
    options = parser.parse_args(argv)
    if options.command == "setup":
        ensure_venv()
        return 0
    return command_demo(options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
