"""A fuzz session: every target of ``fuzz/targets.py`` through the oracle, round-robin, for a
given time (docs/fuzzing.md).

    python fuzz/run.py --minutes 12                      # the long session
    python fuzz/run.py --seconds 20 --targets bytes      # one target, briefly

Each round gives each target ``--batch`` Hypothesis examples (a new random seed each round).
An input the oracle refuses is shrunk by Hypothesis and written to ``tests/data/fuzz/`` (where
``tests/test_fuzz.py`` replays it forever after); the session goes on with the other targets.
At the end it prints, per target, the inputs tried, the time, the slowest call and the
findings, as a Markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fuzz import oracle  # noqa: E402
from fuzz.targets import TARGETS  # noqa: E402

FINDINGS = HERE.parent / "tests" / "data" / "fuzz"
_SUFFIX = {"xml": ".xml", "json": ".json", "any": ".bin"}


@dataclass
class Stats:
    """One target's session: inputs tried, seconds spent, the slowest call, what it found."""

    inputs: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    findings: list[str] = field(default_factory=list)


def run_target(name: str, batch: int, stats: Stats) -> None:
    strategy, form = TARGETS[name]
    check = {"xml": oracle.check_xml, "json": oracle.check_json, "any": oracle.check}[form]
    failing: list[bytes] = []

    @settings(
        max_examples=batch,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(strategy)
    def target(data: bytes) -> None:
        stats.inputs += 1
        start = time.perf_counter()
        try:
            check(data)
        except oracle.Finding:
            failing.append(data)
            raise
        finally:
            stats.slowest = max(stats.slowest, time.perf_counter() - start)

    try:
        target()
    except oracle.Finding as exc:
        data = failing[-1]  # the last failing call is the shrunk input
        FINDINGS.mkdir(parents=True, exist_ok=True)
        path = FINDINGS / f"{name}-{hashlib.sha256(data).hexdigest()[:12]}{_SUFFIX[form]}"
        path.write_bytes(data)
        stats.findings.append(f"{path.name}: {str(exc).splitlines()[0]}")
        print(f"FINDING {name}: {exc}\n  kept in {path}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=0)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--targets", nargs="+", choices=sorted(TARGETS), default=list(TARGETS))
    args = parser.parse_args()
    budget = args.minutes * 60 + args.seconds or 60
    stats = {name: Stats() for name in args.targets}
    end = time.monotonic() + budget
    rounds = 0
    while time.monotonic() < end:
        rounds += 1
        for name in args.targets:
            if time.monotonic() >= end:
                break
            start = time.monotonic()
            run_target(name, args.batch, stats[name])
            stats[name].seconds += time.monotonic() - start
        done = sum(s.inputs for s in stats.values())
        print(f"round {rounds}: {done} inputs, {end - time.monotonic():.0f} s left", flush=True)
    print()
    print("| target | inputs | time s | slowest call s | findings |")
    print("|---|---:|---:|---:|---|")
    for name, s in stats.items():
        found = "; ".join(s.findings) or "none"
        print(f"| {name} | {s.inputs:,} | {s.seconds:.0f} | {s.slowest:.2f} | {found} |")
    total = sum(s.inputs for s in stats.values())
    print(f"\n{total:,} inputs in {budget:.0f} s, {rounds} rounds")


if __name__ == "__main__":
    main()
