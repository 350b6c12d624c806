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

# Only the icons the app uses are copied: the full set is 5,000+ files, and the static
# file server indexes every file at start-up (on each test client too), which adds a
# quarter second each time. Icons named in templates are found automatically; this
# palette covers icons picked at run time (in Python or JavaScript).
BASE_ICONS: frozenset[str] = frozenset(
    """
    alert-circle alert-triangle api arrow-left arrow-right arrow-up-right arrows-sort ban book box braces
    building calendar check checkbox chevron-down chevron-left chevron-right chevron-up circle-check
    circle-x clock code copy dots dots-vertical download external-link eye eye-off file-text filter
    history home inbox info-circle key link list-check lock logout mail maximize minimize notes pencil
    phone player-play plus refresh search selector send settings target-arrow trash upload user users
    webhook world x
    """.split()
)
# Icon names in templates: `{% icon "name" %}`, `icon="name"` (an include's argument),
# and fallbacks such as `{% icon kind|default:"inbox" %}` or `action_icon|default:"plus"`.
ICON_REFERENCES = (
    re.compile(r"""\bicon(?:\s+|\s*=\s*)["']([a-z0-9-]+)["']"""),
    re.compile(r"""\b\w*icon\|default:["']([a-z0-9-]+)["']"""),
    re.compile(r"""\{%\s*icon\s+[\w.]+\|default:["']([a-z0-9-]+)["']"""),
)


def copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    if source.suffix in {".js", ".css"}:
        data = SOURCE_MAP_COMMENT.sub(b"\n", data)
    target.write_bytes(data)


def icons_named_in_templates(root: Path) -> set[str]:
    names: set[str] = set()
    for folder in [root / "templates", *root.glob("*/templates")]:
        for template in folder.rglob("*.html"):
            text = template.read_text(encoding="utf-8", errors="replace")
            for pattern in ICON_REFERENCES:
                names.update(pattern.findall(text))
    return names


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
    unknown: list[str] = []
    for name in sorted(BASE_ICONS | icons_named_in_templates(root)):
        svg = icons_dir / f"{name}.svg"
        if not svg.is_file():
            unknown.append(name)
            continue
        target = icons_target / svg.name
        shutil.copyfile(svg, target)
        written.append(target)
    if unknown:
        # Not fatal: the icon tag reports the name when the page is rendered in DEBUG.
        print(f"warning: not Tabler outline icons: {', '.join(unknown)}", file=sys.stderr)
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
