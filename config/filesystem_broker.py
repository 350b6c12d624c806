"""kombu's filesystem transport, handing each message over as a whole file.

kombu's own channel creates a message's file under its final name and then writes
into it, so a worker polling the folder can take the file while it is still empty
and die on the JSON error ("Unrecoverable error: JSONDecodeError"). Its reader claims
a file by moving it to the system's temporary folder, which is a copy when that is
another filesystem, so two readers can both take one message. Here a writer fills a
hidden file and renames it into place, and a reader claims a file by renaming it in
the queue's own folder: a rename in one folder is atomic, so a reader only ever sees
whole messages, and only one reader gets each. The file names are kombu's, so a
folder written by either version reads with the other.

An exchange's table of bound queues (in the control folder, read on every publish) had
the same gap when the first queue was bound: kombu creates the file empty and then locks
it to write. Here it comes into being already holding an empty table, and kombu's own
locked update adds the queue. Selected by CELERY_BROKER_TRANSPORT for filesystem://
broker URLs (the embedded setup).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem as kombu_filesystem
from kombu.transport.virtual import Empty
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

# Names starting with a dot never match a queue's "<stamp>_<uuid>.<queue>.msg".
UNFINISHED_PREFIX = ".writing-"
CLAIMED_PREFIX = ".claimed-"


def message_file_name(queue: str) -> str:
    """kombu's name for a message: its time first, so a sorted listing is the queue's order."""
    return f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"


def write_whole(path: Path, text: str, *, place: Callable[[Path, Path], None]) -> None:
    """Write ``text`` to a hidden file beside ``path``, then ``place`` it under ``path``'s
    name (rename or link), so that whoever reads ``path`` finds it whole or not at all."""
    unfinished = path.with_name(f"{UNFINISHED_PREFIX}{uuid.uuid4()}")
    unfinished.write_bytes(str_to_bytes(text))
    try:
        place(unfinished, path)
    finally:
        unfinished.unlink(missing_ok=True)  # still there after a link, or a failed place


class Channel(kombu_filesystem.Channel):
    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        table = self._exchange_file(exchange)
        if not table.exists():
            self.control_folder.mkdir(exist_ok=True)
            try:
                # A link, unlike a rename, never replaces a table another process made.
                write_whole(table, dumps([]), place=os.link)
            except FileExistsError:
                pass  # another process made it first: the update below adds to theirs
        super()._queue_bind(exchange, routing_key, pattern, queue)

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = message_file_name(queue)
        try:
            write_whole(Path(self.data_folder_out, name), dumps(payload), place=os.rename)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _get(self, queue: str) -> Any:
        queue_file = f"{queue}.msg"
        folder = self.data_folder_in
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != queue_file or name.startswith("."):
                continue
            claimed = os.path.join(folder, CLAIMED_PREFIX + name)
            try:
                os.rename(os.path.join(folder, name), claimed)
            except FileNotFoundError:
                continue  # another reader took it first
            try:
                with open(claimed, "rb") as file:
                    payload = file.read()
                if self.store_processed:
                    shutil.move(claimed, os.path.join(self.processed_folder, name))
                else:
                    os.remove(claimed)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {name!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(kombu_filesystem.Transport):
    Channel = Channel
