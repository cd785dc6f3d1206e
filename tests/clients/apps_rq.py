"""RQ (Redis Queue), run the way its users run it: jobs enqueued on a queue,
a worker in burst mode performing them (job hashes, sorted-set registries,
pipelines, pub/sub for commands), results kept in a stream per job (XADD
with MAXLEN, XREVRANGE), a failing job moved to the failed registry with
its traceback, a job with a dependency, a job run twice, and a scheduled
job (the scheduler's lock and its sorted set).

Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional). Exits non-zero
on the first failure. Runs unchanged against redis-server 7.0, which is how
the script itself is checked.
"""
import os
import sys
import time
from datetime import timedelta

import redis
from rq import Queue, SimpleWorker
from rq.job import JobStatus
from rq.registry import FailedJobRegistry

import apps_rq_jobs as jobs

HOST = os.environ.get("GROVE_HOST", "127.0.0.1")
PORT = int(os.environ.get("GROVE_PORT", "6379"))
PASSWORD = os.environ.get("GROVE_PASSWORD") or None
UNIQUE = f"{os.getpid()}-{time.time_ns()}"


def connect():
    return redis.Redis(host=HOST, port=PORT, password=PASSWORD, db=6)


def test_jobs_and_results():
    conn = connect()
    q = Queue(f"rq-{UNIQUE}", connection=conn)
    ok = q.enqueue(jobs.add, 2, 3)
    bad = q.enqueue(jobs.fail, "boom")
    after = q.enqueue(jobs.add, 10, 20, depends_on=ok)
    assert len(q) == 2, f"two jobs wait, the dependent one is deferred: {len(q)}"
    SimpleWorker([q], connection=conn).work(burst=True, logging_level="CRITICAL")
    ok.refresh()
    assert ok.get_status() == JobStatus.FINISHED, ok.get_status()
    assert ok.result == 5, ok.result
    latest = ok.latest_result()
    assert latest is not None and latest.return_value == 5, latest
    assert len(ok.results()) == 1, "one result in the job's stream"
    after.refresh()
    assert after.get_status() == JobStatus.FINISHED and after.result == 30, after.get_status()
    bad.refresh()
    assert bad.get_status() == JobStatus.FAILED, bad.get_status()
    assert "boom" in (bad.latest_result().exc_string or ""), "the traceback is kept"
    assert bad.id in FailedJobRegistry(queue=q), "the failed job is in the failed registry"
    q.delete(delete_jobs=True)


def test_retried_job_keeps_every_result():
    conn = connect()
    q = Queue(f"rq-retry-{UNIQUE}", connection=conn)
    job = q.enqueue(jobs.add, 1, 1)
    SimpleWorker([q], connection=conn).work(burst=True, logging_level="CRITICAL")
    q.enqueue_job(job)
    SimpleWorker([q], connection=conn).work(burst=True, logging_level="CRITICAL")
    results = job.results()
    assert len(results) == 2, f"both runs left a result: {len(results)}"
    assert results[0].created_at >= results[1].created_at, "newest first (XREVRANGE)"
    q.delete(delete_jobs=True)


def test_scheduled_job():
    conn = connect()
    q = Queue(f"rq-sched-{UNIQUE}", connection=conn)
    job = q.enqueue_in(timedelta(seconds=1), jobs.add, 4, 4)
    assert job.get_status() == JobStatus.SCHEDULED, job.get_status()
    deadline = time.time() + 10
    while job.get_status() != JobStatus.FINISHED and time.time() < deadline:
        SimpleWorker([q], connection=conn).work(burst=True, with_scheduler=True, logging_level="CRITICAL")
        time.sleep(0.2)
    assert job.get_status() == JobStatus.FINISHED and job.result == 8, job.get_status()
    q.delete(delete_jobs=True)


def main():
    failures = 0
    for test in (test_jobs_and_results, test_retried_job_keeps_every_result, test_scheduled_job):
        try:
            test()
            print(f"  ok {test.__name__}")
        except Exception as e:  # report every test, then fail
            failures += 1
            print(f"  FAILED {test.__name__}: {type(e).__name__}: {e}")
    import rq
    if failures:
        print(f"RQ {rq.__version__}: {failures} checks failed")
        sys.exit(1)
    print(f"RQ {rq.__version__}: all checks passed")


if __name__ == "__main__":
    main()
