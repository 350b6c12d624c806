"""scripts/copy_vendor.py picks the served front-end files out of node_modules/."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "copy_vendor.py"
NODE_MODULES = ROOT / "node_modules"

EXPECTED_FILES = [
    "react/react.production.min.js",
    "react/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
    "graphiql/plugin-explorer.umd.js",
    "graphiql/plugin-explorer.css",
    "scalar/standalone.js",
    "tabler/outline/api.svg",
    "tabler/outline/webhook.svg",
]


def run_copy_vendor(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project_with_node_modules(tmp_path):
    if not NODE_MODULES.is_dir():
        pytest.skip("node_modules/ is missing: run `npm ci` (or `make install`) to test the vendor copy")
    # A scratch project that shares the real node_modules, so the test never
    # rewrites the static/vendor/ that the running app serves.
    (tmp_path / "node_modules").symlink_to(NODE_MODULES)
    return tmp_path


def test_copy_vendor_copies_the_libraries_and_icons_the_pages_use(project_with_node_modules):
    result = run_copy_vendor(project_with_node_modules)

    assert result.returncode == 0, result.stderr
    vendor = project_with_node_modules / "static" / "vendor"
    for name in EXPECTED_FILES:
        assert (vendor / name).is_file(), name
    assert (vendor / "tabler" / "outline" / "api.svg").read_text().lstrip().startswith("<svg")
    assert len(list((vendor / "tabler" / "outline").glob("*.svg"))) > 1000


def test_copied_bundles_point_at_no_missing_source_map(project_with_node_modules):
    run_copy_vendor(project_with_node_modules)

    vendor = project_with_node_modules / "static" / "vendor"
    for path in [*vendor.glob("*/*.js"), *vendor.glob("*/*.css")]:
        assert b"sourceMappingURL" not in path.read_bytes()[-300:], path


def test_copy_vendor_removes_files_left_from_an_older_install(project_with_node_modules):
    stale = project_with_node_modules / "static" / "vendor" / "graphiql" / "old.js"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")

    run_copy_vendor(project_with_node_modules)

    assert not stale.exists()


def test_copy_vendor_fails_clearly_without_node_modules(tmp_path):
    result = run_copy_vendor(tmp_path)

    assert result.returncode != 0
    assert "node_modules" in result.stderr
    assert "npm ci" in result.stderr
    assert not (tmp_path / "static" / "vendor").exists()
