"""scripts/copy_vendor.py picks the served front-end files out of node_modules/."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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


def test_copy_vendor_copies_the_icons_templates_name_and_not_the_whole_set(project_with_node_modules):
    templates = project_with_node_modules / "templates" / "pages"
    templates.mkdir(parents=True)
    (templates / "a.html").write_text('{% load ui %}{% icon "rocket" class="big" %}')
    app_templates = project_with_node_modules / "someapp" / "templates"
    app_templates.mkdir(parents=True)
    (app_templates / "b.html").write_text(
        '{% include "components/button.html" with icon="anchor" %}{% icon name|default:"bell" %}'
    )

    result = run_copy_vendor(project_with_node_modules)

    assert result.returncode == 0, result.stderr
    icons = {p.stem for p in (project_with_node_modules / "static" / "vendor" / "tabler" / "outline").glob("*.svg")}
    assert {"rocket", "anchor", "bell", "api", "webhook", "plus"} <= icons
    assert len(icons) < 500


def test_copy_vendor_warns_about_icon_names_tabler_does_not_have(project_with_node_modules):
    (project_with_node_modules / "templates").mkdir()
    (project_with_node_modules / "templates" / "a.html").write_text('{% icon "no-such-icon" %}')

    result = run_copy_vendor(project_with_node_modules)

    assert result.returncode == 0
    assert "no-such-icon" in result.stderr


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
