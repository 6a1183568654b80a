"""Plots for docs/performance.md from the JSON that orm_patterns.py writes.

.venv/bin/python -m benchmarks.plots benchmarks/results/patterns-*.json
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"


def load(paths):
    runs = [json.loads(Path(p).read_text()) for p in paths]
    return sorted(runs, key=lambda run: run["meetings"])


def page_depth(run) -> None:
    rows = [r for r in run["results"].values() if "page" in r]
    pages = [r["page"] for r in rows]
    plt.figure(figsize=(6, 3.6))
    plt.loglog(pages, [r["naive_ms"] for r in rows], "o-", label="OFFSET")
    plt.loglog(pages, [r["tuned_ms"] for r in rows], "o-", label="keyset (start_time, id)")
    plt.xlabel("page (50 meetings each)")
    plt.ylabel("query ms")
    plt.title(f"Cost against page depth, {run['meetings']:,} meetings")
    plt.grid(True, which="both", alpha=0.3)
    plt.legend()
    plt.tight_layout()
    plt.savefig(DOCS / "cost-by-page-depth.png", dpi=110)


def data_size(runs) -> None:
    sizes = [run["meetings"] for run in runs]
    chosen = [
        "cancelled meetings: len() vs count()",
        "one-hour overlap, late: two comparisons vs GiST &&",
        "200 meetings with organizer: N+1 vs select_related",
    ]
    plt.figure(figsize=(6.4, 4))
    for name in chosen:
        naive = [run["results"][name]["naive_ms"] for run in runs]
        tuned = [run["results"][name]["tuned_ms"] for run in runs]
        short = name.split(":")[0]
        line = plt.loglog(sizes, naive, "o--", label=f"{short}: naive")[0]
        plt.loglog(sizes, tuned, "o-", color=line.get_color(), label=f"{short}: project")
    plt.xlabel("meetings in the database")
    plt.ylabel("ms")
    plt.title("Cost against data size")
    plt.grid(True, which="both", alpha=0.3)
    plt.legend(fontsize=7)
    plt.tight_layout()
    plt.savefig(DOCS / "cost-by-data-size.png", dpi=110)


def main() -> None:
    runs = load(sys.argv[1:])
    page_depth(runs[-1])
    data_size(runs)


if __name__ == "__main__":
    main()
