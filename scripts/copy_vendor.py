"""Copy the front-end files the app serves from node_modules/ into static/vendor/.

The product works offline, so every script and stylesheet the pages load comes from
the app itself. package.json pins the versions; `npm ci` fills node_modules/, and this
script picks out exactly the files the pages use.

Usage: python scripts/copy_vendor.py [--root DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The bundles reference .map files that are not shipped; a dangling reference makes
# browsers log 404s and makes Django's manifest storage fail at collectstatic.
SOURCE_MAP_COMMENT = re.compile(rb"\n?/[/*]# sourceMappingURL=[^\n]*\s*$")


@dataclass(frozen=True)
class VendorFile:
    source: str  # relative to node_modules/
    target: str  # relative to static/vendor/


FILES: tuple[VendorFile, ...] = (
    VendorFile("react/umd/react.production.min.js", "react/react.production.min.js"),
    VendorFile("react-dom/umd/react-dom.production.min.js", "react/react-dom.production.min.js"),
    VendorFile("graphiql/graphiql.min.js", "graphiql/graphiql.min.js"),
    VendorFile("graphiql/graphiql.min.css", "graphiql/graphiql.min.css"),
    VendorFile("@graphiql/plugin-explorer/dist/index.umd.js", "graphiql/plugin-explorer.umd.js"),
    VendorFile("@graphiql/plugin-explorer/dist/style.css", "graphiql/plugin-explorer.css"),
    VendorFile("@scalar/api-reference/dist/browser/standalone.js", "scalar/standalone.js"),
)

TABLER_OUTLINE = "@tabler/icons/icons/outline"
TABLER_TARGET = "tabler/outline"


def copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    if source.suffix in {".js", ".css"}:
        data = SOURCE_MAP_COMMENT.sub(b"\n", data)
    target.write_bytes(data)


def copy_vendor(root: Path) -> list[Path]:
    """Copy the vendored files under root/static/vendor/ and return the files written."""
    node_modules = root / "node_modules"
    vendor = root / "static" / "vendor"
    if not node_modules.is_dir():
        raise SystemExit(f"error: {node_modules} is missing; run `npm ci` in {root} first.")

    missing = [f.source for f in FILES if not (node_modules / f.source).is_file()]
    icons_dir = node_modules / TABLER_OUTLINE
    if not icons_dir.is_dir():
        missing.append(TABLER_OUTLINE + "/")
    if missing:
        listed = "\n  ".join(missing)
        raise SystemExit(
            f"error: these files are missing from node_modules/:\n  {listed}\n"
            "Run `npm ci` again; package.json may have changed since the last install."
        )

    # Start clean so files from an older layout or version never linger.
    if vendor.exists():
        shutil.rmtree(vendor)

    written: list[Path] = []
    for f in FILES:
        target = vendor / f.target
        copy_file(node_modules / f.source, target)
        written.append(target)

    icons_target = vendor / TABLER_TARGET
    icons_target.mkdir(parents=True, exist_ok=True)
    for svg in sorted(icons_dir.glob("*.svg")):
        target = icons_target / svg.name
        shutil.copyfile(svg, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder holding node_modules/")
    args = parser.parse_args(argv)
    written = copy_vendor(args.root.resolve())
    icons = sum(1 for p in written if p.suffix == ".svg")
    print(f"Copied {len(written) - icons} library files and {icons} icons into static/vendor/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
