"""Which engine runs the row-level work: pandas in this process, or Dask.

``--engine pandas`` (the default) runs everything here. ``--engine dask`` reads and cleans each raw
file as its own task on a Dask cluster — an existing one given by ``--scheduler ADDRESS``
(``tcp://host:8786``), or a local one started for the run: two worker processes with one thread
each, listening on 127.0.0.1 only (older ``distributed`` versions listened on every interface,
CVE-2021-42343), no public dashboard. The steps that need every row at once — de-duplication and
customer resolution — work on the small distinct sets in this process, so both engines give the
same tables.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from pipeline.errors import PipelineError

ENGINES = ("pandas", "dask")
LOCAL_WORKERS = 2


@dataclass
class Engine:
    name: str = "pandas"
    scheduler: str | None = None
    client: object | None = None     # distributed.Client while a dask run is open

    @property
    def is_dask(self) -> bool:
        return self.name == "dask"


def check_engine(name: str | None, scheduler: str | None = None) -> str:
    name = (name or "pandas").strip().lower()
    if name not in ENGINES:
        raise PipelineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    if scheduler and name != "dask":
        raise PipelineError("--scheduler names a Dask cluster: use it with --engine dask")
    if name == "dask":
        try:
            import dask  # noqa: F401
            import distributed  # noqa: F401
        except ImportError as exc:
            raise PipelineError(f"--engine dask needs the dask and distributed packages ({exc}); "
                                f"run `make setup` or `pip install -e .`") from None
    return name


def local_cluster(n_workers: int = LOCAL_WORKERS):
    """A LocalCluster bound to localhost: worker processes, one thread each, no dashboard."""
    import dask
    from distributed import LocalCluster

    # quiet: a run's progress is ours to show
    with dask.config.set({"logging.distributed": "error"}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address=None, protocol="tcp://", silence_logs=50)


@contextlib.contextmanager
def open_engine(name: str | None = "pandas", scheduler: str | None = None):
    """``with open_engine("dask") as engine: …`` — the cluster (if any) lives for the block."""
    name = check_engine(name, scheduler)
    if name == "pandas":
        yield Engine("pandas")
        return
    from distributed import Client

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s", set_as_default=False)
            except OSError as exc:
                raise PipelineError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        else:
            cluster = local_cluster()
            client = Client(cluster, set_as_default=False)
        try:
            yield Engine("dask", scheduler=client.scheduler.address, client=client)
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def map_tasks(engine: Engine | None, func, items: list, *, progress=None, **kwargs):
    """``[func(item, **kwargs) for item in items]``, on the Dask cluster when the engine is dask.

    Results come back in the order of ``items``; ``progress`` (a callable, e.g. a tqdm ``update``)
    is called once per finished item.
    """
    if engine is None or not engine.is_dask or not items:
        out = []
        for item in items:
            out.append(func(item, **kwargs))
            if progress:
                progress()
        return out
    client = engine.client
    futures = [client.submit(func, item, pure=False, **kwargs) for item in items]
    try:
        out = []
        for future in futures:        # in order: the first failing file's error is raised, as pandas would
            out.append(future.result())
            future.release()          # the worker lets go of its copy now, not after the last file
            if progress:
                progress()
        return out
    finally:
        for f in futures:
            f.release()
