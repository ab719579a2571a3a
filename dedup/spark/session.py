"""Starting Spark for dedup: the session and its settings, and the checks made before any Spark work."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..params import Params

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

__all__ = ["INSTALL_HINT", "check_params", "get_session", "require_pyspark"]

INSTALL_HINT = "the Spark engine needs PySpark with pandas and pyarrow: pip install 'dedup-reprints[spark]'"


def check_params(params: Mapping[str, Any]) -> Params:
    unknown = set(params) - set(Params.names())
    if unknown:
        raise ConfigError(f"unknown parameter(s): {', '.join(sorted(unknown))}; known: {', '.join(Params.names())}")
    return Params(**params)


def require_pyspark() -> None:
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"{INSTALL_HINT} ({exc})") from None


# --------------------------------------------------------------------------- session


def get_session(master: str | None = None, app_name: str = "dedup", conf: Mapping[str, str] | None = None) -> SparkSession:
    """The active Spark session, or a new one on ``master`` (default ``local[*]``).

    A new session gets settings suited to this job: Arrow on, Python workers are
    this interpreter (``PYSPARK_PYTHON``, unless already set), and for ``local[...]``
    masters few shuffle partitions (4 per core) instead of 200. ``conf`` overrides.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    master = master or "local[*]"
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.showConsoleProgress": "false",
    }
    if master.startswith("local"):
        cores = master[master.find("[") + 1 : master.find("]")] if "[" in master else "1"
        n = (os.cpu_count() or 1) if cores in ("*", "") else int(cores.split(",")[0])
        settings["spark.sql.shuffle.partitions"] = str(max(2, 4 * n))
    settings.update(conf or {})
    for k, v in settings.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
