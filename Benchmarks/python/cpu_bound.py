"""The guide's multiprocessing example: cpu_bound_task over four numbers, in sequence and in a Pool.

    python3 cpu_bound.py                  # the guide's numbers: 10, 20, 30 and 40 million
    python3 cpu_bound.py --json           # for the bench
"""

import multiprocessing

from common import measure, parser, report


def cpu_bound_task(number):
    """The sum of i * i for every i below number: Python's integers never overflow."""
    result = 0
    for i in range(number):
        result += i * i
    return result


def in_sequence(numbers):
    return [cpu_bound_task(number) for number in numbers]


def in_pool(numbers, processes):
    # The pool's start-up counts, as in the guide, which times the whole `with` block.
    with multiprocessing.Pool(processes=processes) as pool:
        return pool.map(cpu_bound_task, numbers)


def main():
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--processes", type=int, default=4, help="the pool's size (default 4)")
    options.add_argument("numbers", type=int, nargs="*", default=[10_000_000, 20_000_000, 30_000_000, 40_000_000])
    arguments = options.parse_args()
    numbers = arguments.numbers
    expected = [(n - 1) * n * (2 * n - 1) // 6 for n in numbers]

    def checked(results):
        assert results == expected, f"wrong sums: {results}"

    variants = measure(
        {
            "sequential": lambda: checked(in_sequence(numbers)),
            "processes": lambda: checked(in_pool(numbers, arguments.processes)),
        },
        arguments.runs,
        warm_up=False,
    )
    report(arguments, variants, {"numbers": numbers, "pool": arguments.processes})


if __name__ == "__main__":
    main()
