"""The guide's locked counter at full speed: increments under a threading.Lock, on one thread and on two.

    python3 counter.py                      # 400 000 increments in all
    python3 counter.py --json               # for the bench
"""

import threading

from common import measure, parser, report


class Counter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def increment(self, times):
        for _ in range(times):
            with self.lock:
                self.value += 1


def run(threads, operations):
    """Increments one counter `operations` times in all, shared out among `threads` threads."""
    counter = Counter()
    workers = [threading.Thread(target=counter.increment, args=(operations // threads,)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert counter.value == operations // threads * threads, "the lock lost an update"


def main():
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--operations", type=int, default=400_000, help="increments in all (default 400 000)")
    arguments = options.parse_args()
    operations = arguments.operations
    variants = measure(
        {"sequential": lambda: run(1, operations), "threads": lambda: run(2, operations)},
        arguments.runs,
    )
    report(arguments, variants, {"operations": operations})


if __name__ == "__main__":
    main()
