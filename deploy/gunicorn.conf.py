"""gunicorn for the image and the compose stack: `gunicorn -c deploy/gunicorn.conf.py crm.wsgi`.

It sits behind nginx (deploy/nginx.conf), which buffers request bodies and enforces the size limits.
"""

import os
import tempfile

bind = "0.0.0.0:8000"
# Sync workers wait on PostgreSQL for a good part of each request, so there are more of them than CPUs:
# gunicorn's 2 × CPUs + 1, for the 2-CPU machine (make load: at 50 users p95 1.9 s with 5 against 6.8 s
# with 3, on a machine shared with other work). Set WEB_CONCURRENCY to 2 × CPUs + 1 on a bigger one.
workers = int(os.environ.get("WEB_CONCURRENCY", "5"))
# Below nginx's proxy_read_timeout, so that a stuck request ends here first, with a log line.
timeout = 60
accesslog = "-"
# Path without the query string (%(U)s, not %(r)s or %(q)s) and no referer (%(f)s): search and
# hotline URLs may carry phone and ID numbers, which must not end up in the access log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# /metrics (crm/metrics.py) adds up the request figures of every worker process: prometheus-client's
# multiprocess mode, its files in this folder, emptied at each start (a dead process's files are
# merged, its live gauges dropped).
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "crm-prometheus")
)
os.makedirs(_metrics_dir, exist_ok=True)
for _name in os.listdir(_metrics_dir):
    if _name.endswith(".db"):
        os.remove(os.path.join(_metrics_dir, _name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
