"""The shape of the house (ARCHITECTURE.md), checked on every run from the import statements alone.

The rules, in words:

1. The apps stand in layers, listed below from the ground up. Code in one app may import only the
   apps of LOWER layers, never its own layer's neighbours or anything above. So:
   - `core` (the kernel: sweep, calendar, paging, API helpers, masking, uploads) imports no app;
   - no domain app imports `dashboards`, `crm` (settings, URLs) or `demo` (seed and bench data);
   - no two apps import each other, not even lazily inside a function.
   When a lower app must act on a higher one's rows, the higher one registers with it (an
   AppConfig.ready() call such as core.media.register_upload_folder) or the work moves up.
2. Inside an app, no two modules import each other: a task module imports the work it schedules,
   never the reverse; a package's `__init__` may re-export its own modules.
3. No Python module outside migrations and tests is longer than 600 lines: split it by concept
   (intake / work orders / group cases …), the way complaints/ and delivery/ are split.

Imports are read with `ast`, so an import inside a function or under `if TYPE_CHECKING:` counts.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: list[tuple[str, ...]] = [
    ("core",),  # the kernel every app shares
    ("properties", "notifications"),  # the estate (city company → unit); the staff's inbox
    ("accounts",),  # staff, roles and their scope over the estate
    ("customers",),  # owners, households, contracts, the property browser's pages
    ("complaints", "membership"),  # the complaint desk; the club
    ("delivery",),  # handover; a warranty defect becomes a complaint, so it stands on complaints
    ("surveys",),  # asks after a closed complaint or a handover sign-off
    ("lifecycle",),  # the 6+2 steps as daily work; the owner timeline reads every desk below
    ("dashboards",),  # figures read from every domain app
    ("crm", "demo"),  # settings, URLs and the Celery app; seed and bench data
    ("bench",),  # `make bench`: builds its database with demo, times the pages
]
LAYER_OF = {app: level for level, apps in enumerate(LAYERS) for app in apps}
MAX_LINES = 600


def _python_modules() -> dict[str, Path]:
    """Dotted name → file, for every module of the project's apps except migrations and tests."""
    modules = {}
    for app in LAYER_OF:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "tests" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


MODULES = _python_modules()


def _imported_names(name: str, path: Path) -> set[str]:
    """Every dotted name the module imports, relative imports resolved, lazy ones included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _project_module(dotted: str) -> str | None:
    """The project module a dotted name lands in (`complaints.models.Complaint` → complaints.models)."""
    parts = dotted.split(".")
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) or None


IMPORTS = {name: _imported_names(name, path) for name, path in MODULES.items()}


def test_every_app_is_in_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"crm", "bench"}
    assert apps <= set(LAYER_OF), f"put {sorted(apps - set(LAYER_OF))} in LAYERS"


def test_apps_import_only_lower_layers():
    wrong = defaultdict(set)
    for name, imported in IMPORTS.items():
        app = name.split(".")[0]
        for dotted in imported:
            other = dotted.split(".")[0]
            if other in LAYER_OF and other != app and LAYER_OF[other] >= LAYER_OF[app]:
                wrong[f"{app} → {other}"].add(name)
    assert not wrong, "imports that run up or sideways:\n" + "\n".join(
        f"  {pair}: {sorted(modules)}" for pair, modules in sorted(wrong.items())
    )


def test_no_two_modules_import_each_other():
    edges = defaultdict(set)
    for name, imported in IMPORTS.items():
        for dotted in imported:
            target = _project_module(dotted)
            if target and target != name:
                edges[name].add(target)

    def related(a: str, b: str) -> bool:  # a package and its own module: __init__ re-exports
        return a.startswith(b + ".") or b.startswith(a + ".")

    mutual = sorted(
        f"{a} ↔ {b}"
        for a in list(edges)
        for b in edges[a]
        if a < b and a in edges.get(b, ()) and not related(a, b)
    )
    assert not mutual, "modules importing each other:\n  " + "\n  ".join(mutual)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_longer_than_600_lines(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines: split it by concept"


def test_the_checker_sees_a_lazy_upward_import(tmp_path):
    """The rules would be toothless if a function-level import slipped past the reader."""
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from complaints.models import Complaint\n    return Complaint\n")
    assert "complaints.models.Complaint" in _imported_names("core.lazy", module)
    relative = tmp_path / "relative.py"
    relative.write_text("from ..services import intake\n")
    assert "complaints.services.intake" in _imported_names("complaints.views.relative", relative)
