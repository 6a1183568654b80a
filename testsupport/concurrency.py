"""Work started at the same moment in many threads, each with its own database connection."""

import threading

from django.db import connection

N = 20


def at_once(make_request):
    """Run N calls of make_request(i) in N threads released together; returns their results."""
    start = threading.Barrier(N, timeout=20)
    responses = [None] * N

    def run(i):
        try:
            start.wait()
            responses[i] = make_request(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses
