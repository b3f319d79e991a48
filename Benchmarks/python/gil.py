"""The guide's GIL experiment: two CPU-bound sums one after the other, then on two threads.

For comparison it also runs the two sums in two processes, the guide's advice for CPU-bound work.

    python3 gil.py            # the guide's numbers: two sums of range(10_000_000)
    python3 gil.py --json     # for the bench
"""

import multiprocessing
import threading

from common import measure, parser, report


def cpu_intensive(n):
    """The sum of 0..n-1, one number at a time: pure Python bytecode, so it holds the GIL."""
    count = 0
    for i in range(n):
        count += i
    return count


def in_sequence(n):
    cpu_intensive(n)
    cpu_intensive(n)


def on_two(kind, n):
    """Runs the two sums at once, on two threads or two processes, and waits for both."""
    workers = [kind(target=cpu_intensive, args=(n,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main():
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--n", type=int, default=10_000_000, help="numbers in each sum (default 10 000 000)")
    arguments = options.parse_args()
    n = arguments.n
    if not arguments.json:
        print("Running CPU-intensive tasks...")
    variants = measure(
        {
            "sequential": lambda: in_sequence(n),
            "threads": lambda: on_two(threading.Thread, n),
            "processes": lambda: on_two(multiprocessing.Process, n),
        },
        arguments.runs,
    )
    report(arguments, variants, {"n": n})


if __name__ == "__main__":
    main()
