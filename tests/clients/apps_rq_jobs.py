"""The job functions tests/clients/apps_rq.py enqueues: RQ workers import a
job's function by its module path, so they live in a module of their own."""


def add(x, y):
    return x + y


def fail(message):
    raise RuntimeError(message)
