"""The load test's figures from Locust's samples (bench/locustfile.py writes every request's time by
stage): requests per second, p50/p95/p99 per page and stage, errors; the targets; the printed table."""

from __future__ import annotations

import datetime
import math

AGENT_P95_TARGET_MS = 300
AGENT_TARGET_USERS = 50


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return None
    index = max(0, min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1))
    return round(values[index], 1)


def _figures(times: list[float], seconds: float, errors: int) -> dict:
    times = sorted(times)
    return {
        "requests": len(times),
        "per_second": round(len(times) / seconds, 2) if seconds else None,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99),
        "max_ms": round(times[-1], 1) if times else None,
        "errors": errors,
    }


def _stage_cpu(cpu_samples, started: float | None, index: int, seconds: float, requests: int) -> dict:
    """The CPU each process used in the stage (cores busy on average), and gunicorn's CPU per request:
    unlike the response times, that does not grow when other programs share the machine."""
    if not cpu_samples or started is None:
        return {}

    def at(moment: float) -> dict[str, float]:
        return min(cpu_samples, key=lambda sample: abs(sample[0] - moment))

    first, last = at(started + index * seconds), at(started + (index + 1) * seconds)
    span = last[0] - first[0]
    if span <= 0:
        return {}
    used = {name: last[1].get(name, 0.0) - first[1].get(name, 0.0) for name in last[1]}
    return {
        "cores_used": {name: round(value / span, 2) for name, value in sorted(used.items())},
        "gunicorn_cpu_ms_per_request": round(
            used.get("gunicorn", 0.0) * 1000 / (requests * span / seconds), 1
        )
        if requests
        else None,
    }


def build_result(
    samples: dict,
    *,
    stages: list[int],
    stage_seconds: float,
    settings: dict,
    sweep: dict,
    bulk_send: dict,
    load_averages: list[float],
    cpu_samples: list[tuple[float, dict[str, float]]],
    machine: dict,
) -> dict:
    by_stage = []
    for index, users in enumerate(stages):
        key = str(users)
        pages = samples["samples"].get(key, {})
        errors = samples["errors"].get(key, {})
        error_count = {
            name: sum(count for message, count in errors.items() if message.startswith(f"{name}: "))
            for name in pages
        }
        everything = [t for times in pages.values() for t in times]
        agent = [t for name, times in pages.items() if name.startswith("agent:") for t in times]
        by_stage.append(
            {
                "users": users,
                "all": _figures(everything, stage_seconds, sum(errors.values())),
                "agent_pages": _figures(
                    agent, stage_seconds, sum(error_count.get(n, 0) for n in pages if n.startswith("agent:"))
                ),
                "pages": {
                    name: _figures(times, stage_seconds, error_count.get(name, 0))
                    for name, times in sorted(pages.items())
                },
                "error_messages": errors,
                "cpu": _stage_cpu(cpu_samples, samples.get("started"), index, stage_seconds, len(everything)),
            }
        )
    agent_at_target = next((s["agent_pages"] for s in by_stage if s["users"] == AGENT_TARGET_USERS), None)
    total_errors = sum(s["all"]["errors"] for s in by_stage)
    targets = {
        f"agent_p95_at_{AGENT_TARGET_USERS}_users_ms": agent_at_target and agent_at_target["p95_ms"],
        "agent_p95_met": bool(agent_at_target and (agent_at_target["p95_ms"] or 0) <= AGENT_P95_TARGET_MS),
        "errors": total_errors,
        "no_errors": total_errors == 0,
        "sweep_on_time": sweep.get("steps_missed") == 0 and sweep.get("steps_fired", 0) > 0,
    }
    targets["all_met"] = targets["agent_p95_met"] and targets["no_errors"] and targets["sweep_on_time"]
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "kind": "load",
        "stages": stages,
        "stage_seconds": stage_seconds,
        "settings": settings,
        "machine": machine,
        "load_average_during_run": {
            "samples": load_averages,
            "mean": round(sum(load_averages) / len(load_averages), 2) if load_averages else None,
            "max": max(load_averages) if load_averages else None,
        },
        "by_stage": by_stage,
        "sweep": sweep,
        "bulk_send": bulk_send,
        "targets": targets,
    }


def format_table(result: dict) -> str:
    def ms(value) -> str:
        return "-" if value is None else f"{value:,.0f}"

    width = max(
        [len(name) for stage in result["by_stage"] for name in stage["pages"]] + [len("all requests")]
    )
    lines = []
    for stage in result["by_stage"]:
        lines.append(f"\n{stage['users']} users, {result['stage_seconds']:.0f} s")
        lines.append(
            f"{'page':<{width}}  {'req':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}"
        )
        rows = [
            ("all requests", stage["all"]),
            ("agent pages", stage["agent_pages"]),
            *stage["pages"].items(),
        ]
        for name, f in rows:
            lines.append(
                f"{name:<{width}}  {f['requests']:>6} {f['per_second'] or 0:>7.1f} {ms(f['p50_ms']):>6} "
                f"{ms(f['p95_ms']):>6} {ms(f['p99_ms']):>6} {f['errors']:>6}"
            )
        cpu = stage.get("cpu") or {}
        if cpu:
            cores = ", ".join(f"{name} {value}" for name, value in cpu["cores_used"].items())
            lines.append(
                f"cores used: {cores}; gunicorn {cpu['gunicorn_cpu_ms_per_request']} CPU ms per request"
            )
        for message, count in stage["error_messages"].items():
            lines.append(f"  error ×{count}: {message}")
    sweep, send, load = result["sweep"], result["bulk_send"], result["load_average_during_run"]
    lines.append(
        f"\nSweep every {sweep['sweep_period_s']} s: {sweep['steps_fired']} SLA steps fired during the run, lag "
        f"p50 {sweep['lag_p50_s']} s, p95 {sweep['lag_p95_s']} s, max {sweep['lag_max_s']} s (allowed "
        f"{sweep['allowed_lag_s']} s); {sweep['steps_missed']} missed, {sweep['steps_pending_at_end']} pending at the end"
    )
    lines.append(
        f"Bulk send: {send['invitations_sent']:,}/{send['invitations']:,} survey invitations sent "
        f"({send['campaign_status']}), {send['messages_delivered']:,} messages delivered by the outbox"
    )
    lines.append(
        f"Load average during the run: mean {load['mean']}, max {load['max']} ({result['machine'].get('cpus')} CPUs)"
    )
    t = result["targets"]
    key = next(k for k in t if k.startswith("agent_p95_at_"))
    lines.append(
        f"Targets: agent pages p95 at {AGENT_TARGET_USERS} users {ms(t[key])} ms (≤ {AGENT_P95_TARGET_MS}: "
        f"{'met' if t['agent_p95_met'] else 'MISSED'}); errors {t['errors']} ({'met' if t['no_errors'] else 'MISSED'}); "
        f"sweep {'on time' if t['sweep_on_time'] else 'BEHIND'}"
    )
    return "\n".join(lines)
