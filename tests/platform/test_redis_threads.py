"""The per-thread Redis connections: one per thread and client, never shared with a fork."""

from __future__ import annotations

import os
import threading

import redis

from crm import redis_threads


def test_each_thread_and_client_has_its_own_connection():
    first, second = redis.Redis(db=1), redis.Redis(db=2)
    here = redis_threads.connection_for(first)
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(redis_threads.connection_for(first)))
    thread.start()
    thread.join()

    assert redis_threads.connection_for(first) is here
    assert redis_threads.connection_for(second) is not here
    assert redis_threads.connection_for(second).db == 2
    assert elsewhere[0] is not here


def test_a_forked_process_makes_its_own_connection():
    """A Celery pool process must not write on its parent's socket."""
    client = redis.Redis()
    parent = redis_threads.connection_for(client)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child answers and leaves at once, running no test machinery
        os.write(write_end, b"new" if redis_threads.connection_for(client) is not parent else b"same")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read_end, 8) == b"new"
