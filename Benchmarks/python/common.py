"""What the benchmark scripts share: timing a function several times, and reporting the times.

Each script runs one of the guide's experiments. Run on its own, it prints what the guide's example
prints; with --json it prints one JSON object instead, which `swift run -c release bench` reads to
put Python's figures next to Swift's.
"""

import argparse
import json
import statistics
import sys
import time


def parser(description):
    """A command-line parser with the options every script takes."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--runs", type=int, default=5, help="timed runs of each variant (default 5)")
    result.add_argument("--json", action="store_true", help="print the times as one JSON object")
    return result


def measure(variants, runs, warm_up=True):
    """Times each of the named functions `runs` times, taking turns; returns their times in seconds.

    Each runs once first to warm up, unless told not to (a workload of seconds needs none). Taking
    turns, one run of each in a round, spreads a burst of other work on the machine over every
    variant alike, instead of skewing whichever one happened to run then.
    """
    if warm_up:
        for function in variants.values():
            function()
    samples = {name: [] for name in variants}
    for _ in range(runs):
        for name, function in variants.items():
            start = time.perf_counter()
            function()
            samples[name].append(time.perf_counter() - start)
    return samples


def report(arguments, variants, extra=None):
    """Prints each variant's median time, or everything as JSON with --json.

    variants maps a variant's name ("sequential", "threads", "processes", …) to its samples.
    """
    if arguments.json:
        document = {"python": sys.version.split()[0], "variants": variants}
        document.update(extra or {})
        json.dump(document, sys.stdout)
        print()
        return
    for name, samples in variants.items():
        print(f"{name:>12}: median {statistics.median(samples):.3f} s over {len(samples)} runs")
