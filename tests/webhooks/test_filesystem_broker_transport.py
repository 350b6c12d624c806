"""The embedded setup's filesystem broker hands messages over whole, each to one reader."""

from __future__ import annotations

import os
import threading

import pytest
from kombu import Connection, Queue
from kombu.transport import filesystem as kombu_filesystem
from kombu.transport.virtual import Empty
from webhook_fixtures import filesystem_broker_options

from config.filesystem_broker import Transport

QUEUE = "broker-test"


@pytest.fixture
def connect(tmp_path):
    opened = []

    def connect(**extra) -> Connection:
        options = filesystem_broker_options(tmp_path, **extra)
        conn = Connection("filesystem://", transport=Transport, transport_options=options)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.release()


def publish(conn: Connection, *bodies: dict) -> None:
    queue = Queue(QUEUE, routing_key=QUEUE)
    producer = conn.Producer(conn.default_channel)
    for body in bodies:
        producer.publish(body, routing_key=QUEUE, declare=[queue])


def take(conn: Connection) -> dict | None:
    message = Queue(QUEUE, routing_key=QUEUE)(conn.default_channel).get(no_ack=True)
    return None if message is None else message.payload


def test_every_message_comes_out_whole_once(connect, tmp_path):
    conn = connect()
    sent = [{"n": n, "text": "é" * n} for n in range(5)]
    publish(conn, *sent)

    taken = [take(conn) for _ in range(5)]
    assert sorted(taken, key=lambda body: body["n"]) == sent
    assert take(conn) is None
    assert list((tmp_path / "queue").iterdir()) == []


def test_a_reader_looking_while_a_message_is_written_finds_nothing_to_take(connect, monkeypatch):
    writer, reader = connect(), connect()
    seen_while_writing = []
    rename = os.rename

    def look_then_rename(source, destination):
        monkeypatch.setattr(os, "rename", rename)  # look once: the reader renames too
        try:
            seen_while_writing.append(reader.default_channel._get(QUEUE))
        except Empty:
            seen_while_writing.append("nothing")
        rename(source, destination)

    # The message's bytes are all on disk, and it is about to get its name.
    monkeypatch.setattr(os, "rename", look_then_rename)
    publish(writer, {"n": 1})
    monkeypatch.undo()

    assert seen_while_writing == ["nothing"]
    assert take(reader) == {"n": 1}


def test_two_readers_never_take_the_same_message(connect):
    publish(connect(), *({"n": n} for n in range(200)))
    taken: list[list[int]] = [[], []]

    def read_all(conn: Connection, into: list[int]) -> None:
        while (payload := take(conn)) is not None:
            into.append(payload["n"])

    readers = [threading.Thread(target=read_all, args=(connect(), into)) for into in taken]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(timeout=30)

    assert sorted(taken[0] + taken[1]) == list(range(200))


def test_processed_messages_are_kept_when_asked(connect, tmp_path):
    conn = connect(store_processed=True)
    publish(conn, {"n": 1})

    assert take(conn) == {"n": 1}
    kept = list((tmp_path / "processed").iterdir())
    assert [path.name.endswith(f".{QUEUE}.msg") for path in kept] == [True]
    assert list((tmp_path / "queue").iterdir()) == []


def test_a_filesystem_broker_url_selects_this_transport(settings):
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("the suite's broker is not the filesystem one (CELERY_BROKER_URL is set)")
    from config.celery import app

    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, Transport)


def test_a_publisher_looking_while_the_first_queue_is_bound_finds_a_whole_table(connect, monkeypatch):
    binder, publisher = connect(), connect()
    seen_while_binding = []
    lock = kombu_filesystem.lock

    def look_then_lock(file, flags):
        monkeypatch.setattr(kombu_filesystem, "lock", lock)  # look once, before the binder's lock
        seen_while_binding.append(publisher.default_channel.get_table("fresh-exchange"))
        lock(file, flags)

    monkeypatch.setattr(kombu_filesystem, "lock", look_then_lock)
    binder.default_channel._queue_bind("fresh-exchange", QUEUE, "", QUEUE)
    monkeypatch.undo()

    assert seen_while_binding == [[]]
    assert [bound.queue for bound in publisher.default_channel.get_table("fresh-exchange")] == [QUEUE]
