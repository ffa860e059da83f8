"""Load test (make load): the CRM under a realistic mix of staff at rising concurrency, on the bench
database, with the Celery workers sweeping deadlines and sending a bulk survey campaign meanwhile.

    make bench-data                     # once: the 1M-complaint database (crm_bench)
    make load                           # 10, 50 and 200 users, 60 s each
    make load ARGS="--stages 10,50 --stage-seconds 30"

One script runs everything as subprocesses on the loopback and always stops them (and deletes what
the run wrote) at the end, also after an error, Ctrl-C or the hard timeout (--timeout):
gunicorn (deploy/gunicorn.conf.py, --workers, DEBUG off as in production: DEMO=1, so the development
keys the bench data was encrypted with), a Celery worker per queue class (crm/queues.py: sweeps,
messages, bulk, reports), beat (the shared sweep every --sweep-seconds), Redis (CELERY_BROKER_URL, CACHE_URL)
at 127.0.0.1:6379, and Locust headless (bench/locustfile.py). At the start it begins a survey
campaign's send (--send invitations, the Celery job and the outbox's senders) and plants --planted
complaints whose SLA steps fall due during the run; the sweep's lag is each step's SLA alert time
minus its due time (it must stay under two sweep periods).

It prints requests per second, p50/p95/p99 per page and stage, the errors (which must be none), the
sweep's lag and the bulk send's progress, and saves all of it as bench/results/load-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (make load)
    sys.path.insert(0, str(ROOT))

from bench.load_report import build_result, format_table  # noqa: E402
from bench.report import RESULTS_DIR, machine_info  # noqa: E402
from crm.queues import BULK, DEFAULT, MESSAGES, QUEUES, REPORTS, SWEEPS  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
BIN = Path(sys.executable).parent


class Timeout(Exception):
    pass


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load test (make load).")
    parser.add_argument("--stages", default="10,50,200", help="users in each stage (default 10,50,200)")
    parser.add_argument("--stage-seconds", type=float, default=60, help="each stage's length (default 60)")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: deploy/gunicorn.conf.py's)"
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    parser.add_argument("--sweep-seconds", type=int, default=30, help="beat's sweep period (default 30)")
    parser.add_argument("--send", type=int, default=20_000, help="survey invitations sent (default 20,000)")
    parser.add_argument("--planted", type=int, default=300, help="complaints falling due during the run")
    parser.add_argument(
        "--timeout", type=float, default=None, help="hard limit in seconds (default: run + 10 min)"
    )
    parser.add_argument("--keep", action="store_true", help="leave the run's rows in the database")
    return parser.parse_args(argv)


def server_environment(options: argparse.Namespace, scratch: Path) -> dict[str, str]:
    """The servers' environment (and this process's): production-like, on the bench database."""
    env = dict(os.environ)
    env.pop("DEBUG", None)  # off, as in production
    env.setdefault("DEMO", "1")  # but the development keys (the bench data's encryption) and plain http
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
    env.setdefault("CACHE_URL", "redis://127.0.0.1:6379/6")  # shared by every worker, as in production
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    env["SLA_SWEEP_SECONDS"] = str(options.sweep_seconds)
    env.setdefault("SMS_FILE_PATH", str(scratch / "sms"))
    env.setdefault("WECHAT_FILE_PATH", str(scratch / "wechat"))
    env.setdefault("LOG_LEVEL", "WARNING")
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    env["PYTHONPATH"] = str(ROOT)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The subprocesses, each in its own process group, all stopped by stop()."""

    def __init__(self, env: dict[str, str], scratch: Path):
        self.env, self.scratch, self.running = env, scratch, {}

    def start(self, name: str, args: list[str]) -> None:
        with open(self.scratch / f"{name}.log", "wb") as log:  # the child keeps its own descriptor
            self.running[name] = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each subprocess and its children (gunicorn's workers)."""
        import psutil  # Locust's dependency

        used = {}
        for name, process in self.running.items():
            total = 0.0
            with contextlib.suppress(psutil.Error):
                parent = psutil.Process(process.pid)
                for each in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        times = each.cpu_times()
                        total += times.user + times.system
            used[name] = total
        return used

    def check(self) -> None:
        for name, process in self.running.items():
            if name != "locust" and process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}); see {self.scratch / name}.log")

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until_up(url: str, processes: Processes, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        processes.check()
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:  # nosec B310  # the loopback server this script started
            if response.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def warm_up(base: str, users: dict, *, rounds: int) -> None:
    """Each page of the mix `rounds` times before the clock starts, so that every worker has compiled
    its templates and filled its caches: the figures are the steady state, not a fresh deploy."""
    agent = users["agents"][0]
    pages = {
        "agents": ["/", "/complaints/", "/complaints/?sort=-due"],
        "supervisors": ["/complaints/supervisor/", "/complaints/work-orders/"],
        "managers": ["/", "/dashboards/"],
    }
    for _ in range(rounds):
        for kind, paths in pages.items():
            opener = urllib.request.build_opener()
            opener.addheaders = [
                ("Cookie", f"sessionid={users[kind][0]['session']}; csrftoken={users['csrf']}")
            ]
            for path in paths:
                with contextlib.suppress(OSError):
                    opener.open(base + path, timeout=60).read()
        opener = urllib.request.build_opener()
        opener.addheaders = [("Cookie", f"sessionid={agent['session']}; csrftoken={users['csrf']}")]
        with contextlib.suppress(OSError):
            body = f"q={agent['owners'][0]['phone']}&csrfmiddlewaretoken={users['csrf']}".encode()
            opener.open(base + "/search/", data=body, timeout=60).read()
        token = urllib.request.Request(
            base + "/api/v1/complaints/", headers={"Authorization": f"Token {users['integration']['token']}"}
        )
        with contextlib.suppress(OSError):
            urllib.request.urlopen(token, timeout=60).read()  # nosec B310  # the loopback server this script started


def run(options: argparse.Namespace) -> dict:
    stages = [int(n) for n in options.stages.split(",")]
    duration = len(stages) * options.stage_seconds
    scratch = Path(tempfile.mkdtemp(prefix="crm-load-"))
    env = server_environment(options, scratch)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    os.environ.pop("DEBUG", None)
    import django

    django.setup()
    from bench import load_setup

    state: dict = {}
    since = datetime.datetime.now(datetime.UTC)
    processes = Processes(env, scratch)

    def on_alarm(*_args):
        raise Timeout(f"the hard timeout ({timeout:.0f} s) struck")

    timeout = options.timeout or duration + 600
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(timeout))
    try:
        print(
            f"Preparing: users and sessions, {options.send:,} invitations, {options.planted} planted complaints"
        )
        state["users"] = load_setup.prepare_users()
        state["campaign"] = load_setup.prepare_campaign(count=options.send)
        config_path = scratch / "config.json"
        config_path.write_text(json.dumps(state["users"]), encoding="utf-8")
        workers = options.workers or int(env.get("WEB_CONCURRENCY", "5"))  # deploy/gunicorn.conf.py's default
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        python = str(BIN / "python")
        processes.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                *(["--workers", str(options.workers)] if options.workers else []),
                "--threads",
                str(options.threads),
                "--access-logfile",
                str(scratch / "access.log"),
                "crm.wsgi",
            ],
        )
        celery = [python, "-m", "celery", "-A", "crm"]
        # A worker per queue class, as docker-compose.yml runs them (crm/queues.py): the bulk send and
        # the sweeps never wait for each other.
        queues = {
            SWEEPS: 1,
            MESSAGES: 2,
            BULK: 1,
            f"{REPORTS},{DEFAULT}": 1,
        }
        subprocess.run(
            [*celery, "purge", "-f", "-Q", ",".join([*QUEUES, DEFAULT])],
            env=env,
            cwd=ROOT,
            capture_output=True,
        )
        for queue, concurrency in queues.items():
            name = queue.split(",")[0]
            processes.start(
                f"worker-{name}",
                [*celery, "worker", "-Q", queue, "-c", str(concurrency), "-n", f"load-{name}@%h"],
            )
        processes.start("beat", [*celery, "beat", "-s", str(scratch / "beat-schedule")])
        wait_until_up(f"{base}/healthz", processes)
        warm_up(base, state["users"], rounds=2 * workers)
        started = time.time()
        period = options.sweep_seconds
        state["planted"] = load_setup.plant_due_complaints(
            count=options.planted,
            first_due=datetime.datetime.fromtimestamp(started + 10, datetime.UTC),
            # The last level 1 early enough for its sweep (two periods) to come before the end.
            last_due=datetime.datetime.fromtimestamp(
                started + max(20, duration - 2 * period - 5), datetime.UTC
            ),
        )
        from surveys.tasks import send_campaign

        send_campaign.delay(state["campaign"]["campaign"])
        samples_path = scratch / "samples.json"
        locust_env = {
            "LOAD_CONFIG": str(config_path),
            "LOAD_STAGES": options.stages,
            "LOAD_STAGE_SECONDS": str(options.stage_seconds),
            "LOAD_SAMPLES": str(samples_path),
        }
        processes.env = {**env, **locust_env}
        print(f"Load: {options.stages} users, {options.stage_seconds:.0f} s each, against {base}")
        processes.start(
            "locust",
            [
                str(BIN / "locust"),
                "-f",
                "bench/locustfile.py",
                "--headless",
                "--host",
                base,
                "--only-summary",
                "--stop-timeout",
                "10",
                "--loglevel",
                "WARNING",
            ],
        )
        load_averages, cpu_samples = [], []
        locust = processes.running["locust"]
        while locust.poll() is None:
            processes.check()
            cpu_samples.append((time.time(), processes.cpu_seconds()))
            if len(cpu_samples) % 5 == 1:
                load_averages.append(round(os.getloadavg()[0], 2))
            time.sleep(1)
        ended = time.time()
        if not samples_path.exists():
            raise RuntimeError(f"locust wrote no samples; see {scratch / 'locust.log'}")
        lag = load_setup.sweep_lag(state["planted"], started=started, ended=ended, period=period)
        send = load_setup.campaign_progress(state["campaign"]["campaign"])
        samples = json.loads(samples_path.read_text(encoding="utf-8"))
        return build_result(
            samples,
            stages=stages,
            stage_seconds=options.stage_seconds,
            settings={
                "gunicorn_workers": workers,
                "gunicorn_threads": options.threads,
                "sweep_seconds": period,
                "send": options.send,
                "planted": options.planted,
            },
            sweep=lag,
            bulk_send=send,
            load_averages=load_averages,
            cpu_samples=cpu_samples,
            machine=machine_info(),
        )
    finally:
        signal.alarm(0)
        processes.stop()
        if not options.keep:
            print("Cleaning up:", load_setup.clean_up(state, since=since))
        print(f"Logs: {scratch}")


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    result = run(options)
    print(format_table(result))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"load-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nsaved {path.relative_to(ROOT)}")
    if not (result["targets"]["no_errors"] and result["targets"]["sweep_on_time"]):
        sys.exit(1)  # the latency target is printed: it depends on the machine's other work


if __name__ == "__main__":
    main()
