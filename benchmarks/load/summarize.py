"""Summarise locust's CSV statistics: requests per second, p50, p95, p99 per endpoint, the errors,
and whether the aim holds (no errors, p95 under 100 ms for every read).

    python benchmarks/load/summarize.py results/load      # reads results/load_stats.csv

Exit status 0 when the aim holds, 1 when it does not, so a script can act on it.
"""

import argparse
import csv
import sys
from pathlib import Path

READ_P95_AIM_MS = 100.0


def _is_read(row: dict) -> bool:
    return row["Type"] == "GET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", help="the --csv prefix given to locust")
    args = parser.parse_args()
    stats = Path(f"{args.prefix}_stats.csv")
    failures = Path(f"{args.prefix}_failures.csv")
    rows = list(csv.DictReader(stats.open(encoding="utf-8")))
    endpoints = [r for r in rows if r["Name"] != "Aggregated"]
    total = next(r for r in rows if r["Name"] == "Aggregated")

    width = max(len(f"{r['Type']} {r['Name']}") for r in endpoints)
    header = f"{'endpoint':<{width}}  {'requests':>8}  {'req/s':>6}  {'p50':>5}  {'p95':>5}  "
    header += f"{'p99':>5}  {'max':>6}  {'errors':>6}"
    print(header)
    print("-" * len(header))
    missed = []
    for r in sorted(endpoints, key=lambda r: (r["Type"] != "GET", r["Name"])):
        name = f"{r['Type']} {r['Name']}"
        p95 = float(r["95%"])
        print(
            f"{name:<{width}}  {int(r['Request Count']):>8}  {float(r['Requests/s']):>6.1f}  "
            f"{float(r['50%']):>5.0f}  {p95:>5.0f}  {float(r['99%']):>5.0f}  "
            f"{float(r['Max Response Time']):>6.0f}  {int(r['Failure Count']):>6}"
        )
        if _is_read(r) and p95 >= READ_P95_AIM_MS:
            missed.append(f"{name} p95 {p95:.0f} ms")
    print("-" * len(header))
    print(
        f"{'all':<{width}}  {int(total['Request Count']):>8}  {float(total['Requests/s']):>6.1f}  "
        f"{float(total['50%']):>5.0f}  {float(total['95%']):>5.0f}  {float(total['99%']):>5.0f}  "
        f"{float(total['Max Response Time']):>6.0f}  {int(total['Failure Count']):>6}"
    )
    print("(times in ms; percentiles as locust computes them)")

    errors = int(total["Failure Count"])
    if errors and failures.exists():
        print("\nerrors:")
        for r in csv.DictReader(failures.open(encoding="utf-8")):
            print(f"  {r['Occurrences']:>5} x {r['Method']} {r['Name']}: {r['Error'][:160]}")
    print()
    print(f"errors: {errors}")
    if missed:
        print(f"reads over the {READ_P95_AIM_MS:.0f} ms p95 aim: " + "; ".join(missed))
    ok = errors == 0 and not missed
    print("aim (no errors, p95 < 100 ms for reads): " + ("met" if ok else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
