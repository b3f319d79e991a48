"""The guide's ThreadPoolExecutor example: fetch pages that each take a fixed delay, through pools of several sizes.

It fetches from the workbook's fixture server, whose /delay/{ms} answers after ms milliseconds:

    swift run fixture-server --port 8080 --quiet &
    python3 fetch_pool.py --base-url http://127.0.0.1:8080 --pages 12 --delay 200 --workers 1 3 12
"""

import concurrent.futures
import urllib.request

from common import measure, parser, report


def fetch_url(url):
    """Fetches url and returns its status, like the guide's fetch_url with requests.get."""
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.status


def fetch_all(urls, workers):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(fetch_url, url) for url in urls]
        statuses = [future.result() for future in concurrent.futures.as_completed(futures)]
    assert statuses == [200] * len(urls), f"some fetches failed: {statuses}"


def main():
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--base-url", required=True, help="the fixture server, like http://127.0.0.1:8080")
    options.add_argument("--pages", type=int, default=12, help="pages to fetch (default 12)")
    options.add_argument("--delay", type=int, default=200, help="milliseconds each page takes (default 200)")
    options.add_argument("--workers", type=int, nargs="+", default=[1, 3, 12], help="pool sizes (default 1 3 12)")
    arguments = options.parse_args()
    base = arguments.base_url.rstrip("/")
    urls = [f"{base}/page/{index}?delay={arguments.delay}" for index in range(arguments.pages)]
    fetch_url(base + "/page/warm-up")
    # The page delays dominate: no warm-up run beyond the one fetch above.
    variants = measure(
        {f"workers-{workers}": lambda workers=workers: fetch_all(urls, workers) for workers in arguments.workers},
        arguments.runs,
        warm_up=False,
    )
    report(arguments, variants, {"pages": arguments.pages, "delay_ms": arguments.delay})


if __name__ == "__main__":
    main()
