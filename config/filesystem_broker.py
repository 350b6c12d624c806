"""kombu's filesystem transport, handing each message over as a whole file.

kombu's own channel creates a message's file under its final name and then writes
into it, so a worker polling the folder can take the file while it is still empty
and die on the JSON error ("Unrecoverable error: JSONDecodeError"). Its reader claims
a file by moving it to the system's temporary folder, which is a copy when that is
another filesystem, so two readers can both take one message. Here a writer fills a
hidden file and renames it into place, and a reader claims a file by renaming it in
the queue's own folder: a rename in one folder is atomic, so a reader only ever sees
whole messages, and only one reader gets each. The file names are kombu's, so a
folder written by either version reads with the other. Selected by
CELERY_BROKER_TRANSPORT for filesystem:// broker URLs (the embedded setup).
"""

from __future__ import annotations

import os
import shutil
import uuid
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


class Channel(kombu_filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = message_file_name(queue)
        unfinished = os.path.join(self.data_folder_out, UNFINISHED_PREFIX + name)
        try:
            with open(unfinished, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.rename(unfinished, os.path.join(self.data_folder_out, name))
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
