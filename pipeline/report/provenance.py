"""What the provenance appendix records beside the inputs: the package versions the numbers depend on,
and the thesis's table 4-1 as cleaned."""

from __future__ import annotations

PROVENANCE_PACKAGES = ("python", "pandas", "numpy", "scipy", "pyarrow", "matplotlib", "seaborn", "papermill",
                       "nbconvert", "weasyprint", "opencc", "rapidfuzz", "openpyxl", "charset-normalizer",
                       "lifelines", "pandera")


def package_versions() -> dict[str, str]:
    """Versions of the packages the numbers depend on, for the provenance appendix."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in PROVENANCE_PACKAGES:
        if name == "python":
            out[name] = platform.python_version()
            continue
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def thesis_table_rows(dispatches) -> list[list[str]]:
    """The thesis's table 4-1 as cleaned, for its appendix (empty when the data does not hold it)."""
    from pipeline.analyses.service import thesis_table_4_1

    table = thesis_table_4_1(dispatches)
    return [[str(r.reported_on), str(r.symptom_text or ""), str(r.symptom_code or ""), str(r.machine_type_model or ""),
             str(r.customer_name or ""), str(r.cause_text or ""), " + ".join(r.cause_codes)]
            for r in table.itertuples(index=False)]
