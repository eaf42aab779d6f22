"""Raw files by their suffixes, and their bytes: decompressed transparently (.xz, .gz, .bz2), or the one
data file of a .zip (macOS's ``__MACOSX/`` copies, dot-files and non-data files such as an .idp left out),
or the member ``options.zip_member`` names."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import InputError

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
RAW_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES
COMPRESSED_SUFFIXES = {".xz", ".gz", ".bz2", ".zip"}


def data_suffix(path: Path, member: str | None = None) -> tuple[str, str | None]:
    """``(suffix of the data, compression)``: ``orders.csv.xz`` → ``(".csv", ".xz")``; a bare ``.zip`` →
    the suffix of the one data file it holds (``member``: the one named), ``.csv`` when it cannot tell."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        inner = suffixes[-2] if len(suffixes) > 1 and suffixes[-2] in CSV_SUFFIXES else ".csv"
        if suffixes[-1] == ".zip" and not (len(suffixes) > 1 and suffixes[-2] in CSV_SUFFIXES):
            names = [member] if member else _zip_names(path)
            if names is not None and len(names) == 1:
                inner = Path(names[0]).suffix.lower() if Path(names[0]).suffix.lower() in RAW_SUFFIXES else inner
        return inner, suffixes[-1]
    return (suffixes[-1] if suffixes else ""), None


def _zip_names(path: Path) -> list[str] | None:
    """The data files a .zip holds (see :func:`zip_data_members`), None when it cannot be opened."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return [m.filename for m in zip_data_members(zf)]
    except (OSError, zipfile.BadZipFile):
        return None


def zip_data_members(zf) -> list:
    """A .zip's data files: not folders, not macOS's ``__MACOSX/`` copies, not dot-files, and with a
    suffix a raw export has (.csv, .txt, .tsv, .xlsx, .parquet …); an .idp or a README is not data."""
    out = []
    for m in zf.infolist():
        parts = m.filename.split("/")
        if m.is_dir() or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts if p):
            continue
        if Path(m.filename).suffix.lower() in RAW_SUFFIXES:
            out.append(m)
    return out


def _zip_member(zf, path: Path, member: str | None):
    data = zip_data_members(zf)
    every = [m.filename for m in zf.infolist() if not m.is_dir()]
    if member:
        hit = [m for m in zf.infolist() if not m.is_dir() and member in (m.filename, m.filename.rsplit("/", 1)[-1])]
        if len(hit) != 1:
            which = "names several files" if hit else "is not"
            raise InputError(f"options.zip_member is {member!r}, which {which} in this .zip; it holds: "
                             f"{', '.join(every) or 'nothing'}", file=path)
        return hit[0]
    if len(data) != 1:
        listed = ", ".join(m.filename for m in data) if data else "none (it holds: " + (", ".join(every) or
                                                                                      "nothing") + ")"
        example = data[0].filename if data else "folder/export.csv"
        raise InputError(f"a .zip export must hold exactly one file to read (.csv, .txt, .tsv, .xlsx or .parquet; "
                         f"__MACOSX/ and dot-files are ignored); it holds {len(data)}: {listed}. Unzip it and "
                         f"list the file to read in sources.yml, or pick one in the entry's options: "
                         f"{{zip_member: \"{example}\"}}", file=path)
    return data[0]


def read_bytes(path: Path, member: str | None = None) -> bytes:
    """The bytes of a raw export, decompressed transparently (.xz, .gz, .bz2, a .zip holding one data
    file, or the ``member`` of a .zip that ``options.zip_member`` names)."""
    _, compression = data_suffix(path, member)
    try:
        if compression is None:
            return path.read_bytes()
        if compression == ".xz":
            import lzma
            return lzma.decompress(path.read_bytes())
        if compression == ".gz":
            import gzip
            return gzip.decompress(path.read_bytes())
        if compression == ".bz2":
            import bz2
            return bz2.decompress(path.read_bytes())
        import zipfile
        with zipfile.ZipFile(path) as zf:
            return zf.read(_zip_member(zf, path, member))
    except InputError:
        raise
    except Exception as exc:  # lzma.LZMAError, gzip.BadGzipFile, zipfile.BadZipFile, EOFError …
        raise InputError(f"cannot be decompressed ({compression}): {exc}", file=path) from None
