"""The benchmark database: create, migrate, seed (timed), and the workspaces and
keys the scenarios use. Django is set up in this process once the database exists."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from bench import params


@dataclass
class BenchData:
    token: str
    person_ids: list[str]
    seed: dict[str, Any]


def ensure_database() -> bool:
    """Create the benchmark database if missing; True when it was created."""
    with psycopg.connect(params.PG_DSN_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (params.DATABASE_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{params.DATABASE_NAME}"')
    return not exists


def manage(*args: str, prefix: str = "    ") -> None:
    """Run a management command against the benchmark database, echoing its output."""
    process = subprocess.Popen(
        [params.PYTHON, "manage.py", *args],
        cwd=params.ROOT,
        env={**os.environ, **params.server_environment()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        print(prefix + line.rstrip(), flush=True)
    if process.wait() != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed with exit code {process.returncode}")


def setup_django() -> None:
    os.environ.update(params.server_environment())
    if str(params.ROOT) not in sys.path:
        sys.path.insert(0, str(params.ROOT))
    import django

    django.setup()


def people_count() -> int:
    from crm.models import Person, Workspace

    workspace = Workspace.objects.filter(slug=params.WORKSPACE).first()
    if workspace is None:
        return 0
    return Person.objects.filter(workspace=workspace, deleted_at=None).count()


SEED_RECORD = params.LOG_DIR / "seed.json"


def seed() -> dict[str, Any]:
    """100,000 people across 10,000 companies, through the record service; kept between
    runs (the time of the run that seeded them is kept too, and reported again)."""
    existing = people_count()
    if existing >= params.PEOPLE:
        print(f"  data: reusing {existing:,} people in workspace '{params.WORKSPACE}'", flush=True)
        try:
            earlier = orjson.loads(SEED_RECORD.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            earlier = {}
        return {"reused": True, "people": existing, "seconds": earlier.get("seconds"), "seeded_at": earlier.get("at")}
    print(f"  data: seeding {params.PEOPLE:,} people (workspace '{params.WORKSPACE}' has {existing:,})", flush=True)
    started = time.monotonic()
    manage("seed_demo", "--workspace", params.WORKSPACE, "--people", str(params.PEOPLE))
    seconds = time.monotonic() - started
    print(f"  data: seeded in {seconds:.1f}s (budget {params.SEED_BUDGET_SECONDS}s)", flush=True)
    record = {"seconds": round(seconds, 1), "at": time.strftime("%Y-%m-%d %H:%M"), "database": params.DATABASE_NAME}
    SEED_RECORD.parent.mkdir(parents=True, exist_ok=True)
    SEED_RECORD.write_bytes(orjson.dumps(record))
    return {"reused": False, "people": people_count(), "seconds": record["seconds"]}


def settle() -> None:
    """VACUUM ANALYZE before measuring, as autovacuum would have done on a database in
    steady use: earlier runs' write scenarios leave dead rows and pages not marked
    all-visible behind, and fresh statistics keep plans the same from run to run."""
    with psycopg.connect(params.DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def reset_writes_workspace() -> tuple[Any, str]:
    """A fresh, empty workspace for a write scenario (records, events, endpoints), and a key for it."""
    from crm.models import Workspace
    from crm.services.api_keys import create_api_key
    from crm.services.workspaces import create_workspace

    Workspace.objects.filter(slug=params.WRITES_WORKSPACE).delete()
    workspace = create_workspace(params.WRITES_WORKSPACE, "Bench writes")
    return workspace, create_api_key(workspace, "Benchmark writes", lifetime_days=1)[1]


def prepare() -> BenchData:
    from crm.models import Person, Workspace
    from crm.services.api_keys import create_api_key

    seed_info = seed()
    settle()
    workspace = Workspace.objects.get(slug=params.WORKSPACE)
    token = create_api_key(workspace, "Benchmark", lifetime_days=1)[1]
    ids = Person.objects.filter(workspace=workspace, deleted_at=None).order_by("?").values_list("id", flat=True)[:2000]
    return BenchData(token, [str(i) for i in ids], seed_info)
