"""House rules that a grep can check: no pickle, no unsafe YAML, no shell, no eval of data."""

import re
from pathlib import Path

SOURCES = sorted((Path(__file__).resolve().parents[2] / "pipeline").rglob("*.py"))
FORBIDDEN = {
    r"\bimport pickle\b|\bpickle\.": "pickle can run code on load",
    r"yaml\.load\(|yaml\.unsafe_load|yaml\.full_load": "YAML is read with safe_load only",
    r"(?<!strict_)yaml\.safe_load\(": "YAML is read with strict_yaml.safe_load (a key given twice is an error)",
    r"shell\s*=\s*True|os\.system\(|os\.popen\(": "commands run with argument lists, never a shell",
    r"(?<![\w.])eval\(|(?<![\w.])exec\(": "no code is built from data",
    r"\.to_latex\(": "no LaTeX is built from data (the PDF is rendered from escaped HTML)",
}


# The one place code is executed: the package's own chapter notebooks, run without a kernel
# (pipeline/report/direct.py); their parameters are set as values, never spliced into code.
ALLOWED = {("direct.py", r"(?<![\w.])eval\(|(?<![\w.])exec\(")}


def test_no_forbidden_constructs_in_the_package():
    assert SOURCES
    hits = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern, why in FORBIDDEN.items():
            if (path.name, pattern) in ALLOWED:
                continue
            for m in re.finditer(pattern, text):
                line = text.count("\n", 0, m.start()) + 1
                hits.append(f"{path.name}:{line}: {m.group(0)} ({why})")
    assert not hits, "\n".join(hits)
