"""Python applications built on Redis's scripting and blocking commands, run
the way their users run them: redis-py's Lock (Lua scripts for release,
extend and reacquire) and Celery with the Redis broker and result backend
(BRPOP for fetching tasks, pub/sub and keys for results), a worker in a
thread as celery.contrib.testing starts it.

Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional). Exits non-zero
on the first failure. Runs unchanged against redis-server 7.0, which is how
the script itself is checked.
"""
import os
import sys
import time

import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker

HOST = os.environ.get("GROVE_HOST", "127.0.0.1")
PORT = int(os.environ.get("GROVE_PORT", "6379"))
PASSWORD = os.environ.get("GROVE_PASSWORD") or None
UNIQUE = f"{os.getpid()}-{time.time_ns()}"


def test_lock():
    a = redis.Redis(host=HOST, port=PORT, password=PASSWORD)
    b = redis.Redis(host=HOST, port=PORT, password=PASSWORD)
    name = f"lock-{UNIQUE}"
    held = a.lock(name, timeout=5)
    assert held.acquire(blocking=False), "a free lock is acquired"
    assert not b.lock(name, timeout=5).acquire(blocking=False), "a held lock refuses others"
    held.extend(5)
    assert a.pttl(name) > 5000, "extend added to the expiry"
    held.reacquire()
    assert held.owned()
    held.release()
    assert not a.exists(name), "release deleted the lock"
    other = b.lock(name, timeout=5)
    assert other.acquire(blocking=True, blocking_timeout=1)
    stale = a.lock(name, timeout=5)
    stale.local.token = b"not-the-owner"
    try:
        stale.release()
        raise AssertionError("releasing a lock someone else holds must fail")
    except redis.exceptions.LockNotOwnedError:
        pass
    other.release()


def test_celery():
    auth = f":{PASSWORD}@" if PASSWORD else ""
    url = f"redis://{auth}{HOST}:{PORT}/5"
    app = Celery(f"apps-{UNIQUE}", broker=url, backend=url)
    app.conf.task_default_queue = f"celery-{UNIQUE}"

    @app.task
    def add(x, y):
        return x + y

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        results = [add.delay(i, i) for i in range(20)]
        assert [r.get(timeout=20) for r in results] == [2 * i for i in range(20)]
        chained = (add.s(1, 2) | add.s(3)).delay()
        assert chained.get(timeout=20) == 6


def main():
    failed = 0
    for test in (test_lock, test_celery):
        try:
            test()
            print(f"ok {test.__name__}")
        except Exception as e:  # report every application, then fail
            failed += 1
            print(f"FAILED {test.__name__}: {e!r}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
