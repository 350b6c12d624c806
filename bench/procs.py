"""Starting and, above all, stopping every process the benchmark runs.

Each child gets a session (process group) of its own, so stopping it also stops
what it forked (web server and Celery workers). ``stop_all`` runs on normal exit,
on failure and on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import params

_running: list[tuple[str, subprocess.Popen]] = []


def start(name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    params.LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(params.LOG_DIR / f"{name}.log", "wb")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(
        argv,
        cwd=params.ROOT,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    _running.append((name, process))
    return process


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        # The parent first (the web server and Celery then stop their own workers cleanly).
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(5)
    # Children that outlived their parent (e.g. forked workers) go too.
    _signal_group(process, signal.SIGKILL)
    for index, (_, running) in enumerate(_running):
        if running is process:
            del _running[index]
            break


def stop_all() -> None:
    while _running:
        stop(_running[-1][1])


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_cpu_seconds(name: str) -> float:
    """CPU time (user + system) used so far by the live processes of a child's group
    (the web server's main process and workers): what the server itself spends, without the database."""
    leader = next((p.pid for n, p in _running if n == name), None)
    if leader is None:
        return 0.0
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        if int(fields[2]) == leader:  # the process group
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def install_cleanup() -> None:
    atexit.register(stop_all)

    def on_signal(signum: int, frame: object) -> None:
        stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # Ctrl-C raises KeyboardInterrupt even when started in the background (where SIGINT is ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)


def log_tail(name: str, lines: int = 30) -> str:
    path: Path = params.LOG_DIR / f"{name}.log"
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((params.HOST, port)) != 0


def wait_for_http(name: str, process: subprocess.Popen, url: str, timeout: float = 60) -> None:
    """Wait until ``url`` answers (any status), or fail with the child's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_tail(name)}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f}s:\n{log_tail(name)}")


def wait_for_log(name: str, text: str, count: int = 1, timeout: float = 60) -> None:
    """Wait until ``text`` appears ``count`` times in a child's log (e.g. every worker
    of a cluster saying it listens), or fail with the log."""
    deadline = time.monotonic() + timeout
    while log_tail(name, 200).count(text) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not log {text!r} {count} times within {timeout:.0f}s:\n{log_tail(name)}")
        time.sleep(0.2)


def web_server(name: str, app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """Product and floor run as production runs the product (config/web.py), with the same settings."""
    if not port_is_free(port):
        raise RuntimeError(f"Port {port} is taken; stop what runs there (a previous bench?) and retry.")
    size = {"WEB_WORKERS": str(params.WEB_WORKERS), "WEB_THREADS": str(params.WEB_THREADS)}
    process = start(
        name, [params.PYTHON, "-m", "config.web", app], {**env, **size, "WEB_BIND": f"{params.HOST}:{port}"}
    )
    wait_for_http(name, process, f"http://{params.HOST}:{port}/rest/people")
    return process
