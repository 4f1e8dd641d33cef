"""CPU per create and per submit of a report, in process (no HTTP server, no locust), with an optional cProfile.

Runs `--cycles` create+submit cycles through Django's test client as the benchmark's reporter, on a data set built
by `scripts/bench build SCALE`, into fresh periods (benchmarks/load.py's write_pairs), and prints the CPU time of this
process per request: the web side of a write, without the server and the network. With `--minimal` every write sends
`Prefer: return=minimal`. With `--profile FILE` the measured cycles run under cProfile (CPU-time clock) and the
functions by cumulative time are printed. docs/benchmarks.md ("Fourth step: the write path") has the figures:

    DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=postgres://postgres@127.0.0.1:18901/bench_medium \\
      REDIS_URL=redis://127.0.0.1:18921/0 .venv/bin/python benchmarks/write_profile.py --dataset var/bench/medium.json
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, required=True, help="the JSON benchmarks/dataset.py wrote")
    parser.add_argument("--cycles", type=int, default=150, help="create+submit cycles measured (after 5 to warm up)")
    parser.add_argument("--minimal", action="store_true", help="send Prefer: return=minimal")
    parser.add_argument("--profile", type=Path, help="run the cycles under cProfile and keep its stats here")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from rest_framework.test import APIClient

    from benchmarks.load import write_pairs

    dataset = json.loads(args.dataset.read_text())
    pairs = write_pairs(dataset, args.cycles + 5)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {dataset['reporter_token']}")
    prefer = {"HTTP_PREFER": "return=minimal"} if args.minimal else {}
    spent = {"create": 0.0, "submit": 0.0}

    def cycle(reform: int, period: int) -> None:
        started = time.process_time()
        body = {"reform": reform, "period": period, "percent": 10, "work_done": "基准测试"}
        created = client.post("/api/tracker/reports/", body, format="json", **prefer)
        if created.status_code not in (201, 204):
            raise SystemExit(f"create answered {created.status_code}: {created.content[:300]!r}")
        middle = time.process_time()
        spent["create"] += middle - started
        submitted = client.post(created["Location"] + "submit/", HTTP_IF_MATCH=created["ETag"], **prefer)
        if submitted.status_code not in (200, 204):
            raise SystemExit(f"submit answered {submitted.status_code}: {submitted.content[:300]!r}")
        spent["submit"] += time.process_time() - middle

    for reform, period in pairs[:5]:
        cycle(reform, period)
    spent.update(create=0.0, submit=0.0)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    for reform, period in pairs[5 : 5 + args.cycles]:
        cycle(reform, period)
    if profiler:
        profiler.disable()
    count = min(args.cycles, len(pairs) - 5)
    print(
        f"{count} cycles{' (Prefer: return=minimal)' if args.minimal else ''}: CPU per create "
        f"{spent['create'] * 1000 / count:.1f} ms, per submit {spent['submit'] * 1000 / count:.1f} ms"
        f"{' (under cProfile)' if profiler else ''}; load average {os.getloadavg()[0]:.1f}"
    )
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
