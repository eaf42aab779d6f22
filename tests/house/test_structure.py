"""The house shows the data flow: packages by stage, modules of a readable size, private names private."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pipeline"
SOURCES = sorted(PACKAGE.rglob("*.py"))
# About 500 lines: a module a newcomer can read in one sitting.
MAX_LINES = 500
STAGES = ("contract", "runtime", "ingest", "clean", "analyses", "clv", "report", "sample")


def _pipeline_imports(tree: ast.AST):
    """``(line, module, name)`` of every ``from pipeline… import name`` and ``(line, module, None)`` of every
    ``import pipeline…`` in a module, at the top or inside functions."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipeline":
            for alias in node.names:
                yield node.lineno, node.module, alias.name, alias.asname
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pipeline":
                    yield node.lineno, alias.name, None, alias.asname


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_name_uses(path: Path) -> list[str]:
    """Private names of another module this file imports or reaches through an imported module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules, hits = {}, []
    for line, module, name, asname in _pipeline_imports(tree):
        if name is None:
            modules[asname or module.split(".")[0]] = module
            continue
        if _private(name):
            hits.append(f"{path.relative_to(ROOT)}:{line}: from {module} import {name}")
        modules[asname or name] = f"{module}.{name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return hits


def test_the_package_has_a_subpackage_per_stage():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    # beside the stages: the entry points, the errors every stage raises, and the seam of processed tables
    assert top == ["__init__.py", "__main__.py", "cli.py", "errors.py", "processed.py"], top


def test_no_module_is_over_about_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in SOURCES if (n := len(p.read_text(encoding="utf-8").splitlines()))
            > MAX_LINES}
    assert not long, long


def test_no_private_name_is_imported_across_modules():
    files = SOURCES + sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))
    hits = [h for path in files for h in private_name_uses(path)]
    assert not hits, "\n".join(hits)


def test_the_checker_sees_a_private_import(tmp_path):
    # the rule must be able to fail: both forms of reaching into another module are caught
    probe = ROOT / "tests" / "house" / "_probe_private.py"
    probe.write_text("from pipeline.clean import _x\nfrom pipeline import clv\nclv._y\n", encoding="utf-8")
    try:
        assert len(private_name_uses(probe)) == 2
    finally:
        probe.unlink()


def test_notebooks_hold_no_helpers_and_dodge_nothing():
    import json

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        tree = ast.parse(code)
        defs = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda, ast.ClassDef))
                and hasattr(n, "name")]
        lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
        catches = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
        assert not defs and not lambdas, (path.name, defs)
        assert not catches, (path.name, "a notebook catches exceptions: declare what a section needs instead")
