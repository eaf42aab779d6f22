"""Fitted models saved as JSON and loaded back: lifetimes' ``save_model`` / ``load_model`` without pickles.

A pickle runs code when it is loaded and breaks across library versions; a model file here is plain
JSON: the class, its settings, the estimates, their covariance and (optionally) the data it was fitted
on. Floats are written by Python's ``repr``, so a saved and reloaded model predicts exactly the same
numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError
from ...runtime.atomic import write_text

FORMAT = "aftercare.clv.model/1"

# what a fit leaves on a model, by how it is stored
_SCALARS = ("log_likelihood_", "n_customers_", "n_distinct_", "gradient_norm_", "converged_", "stopped_early_")
_FRAMES = ("summary_", "variance_matrix_", "log_variance_matrix_", "confidence_intervals_")
_ARRAYS = ("_log_params", "active_")


def _model_classes() -> dict[str, type]:
    from . import beta_geo, beta_geo_beta_binom, gamma_gamma, modified_beta_geo, pareto_nbd, shifted_beta_geo
    classes = (beta_geo.BetaGeo, pareto_nbd.ParetoNBD, gamma_gamma.GammaGamma, shifted_beta_geo.ShiftedBetaGeo,
               modified_beta_geo.ModifiedBetaGeo, beta_geo_beta_binom.BetaGeoBetaBinom)
    return {c.__name__: c for c in classes}


def _plain(value):
    """numpy scalars and arrays as Python numbers and lists (json cannot write numpy types)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _frame_to_json(frame: pd.DataFrame) -> dict:
    return {"index": [_plain(v) for v in frame.index], "index_name": frame.index.name,
            "columns": [str(c) for c in frame.columns],
            "data": [[_plain(v) for v in frame[c].to_numpy()] for c in frame.columns]}


def _frame_from_json(obj: dict) -> pd.DataFrame:
    frame = pd.DataFrame(dict(zip(obj["columns"], obj["data"])),
                         index=pd.Index(obj["index"], name=obj.get("index_name")))
    return frame[obj["columns"]]


def model_document(model, save_data: bool = True) -> dict:
    """The JSON document of a fitted `model` (see the module docstring for what it holds)."""
    if getattr(model, "params_", None) is None:
        raise InputError(f"{type(model).__name__} is not fitted; there is nothing to save")
    doc = {"format": FORMAT, "model": type(model).__name__,
           "settings": {"penalizer_coef": model.penalizer_coef, "ci_method": model.ci_method},
           "params": {k: float(v) for k, v in model.params_.items()},
           "fitted": {k: _plain(getattr(model, k)) for k in _SCALARS if hasattr(model, k)},
           "frames": {k: _frame_to_json(getattr(model, k)) for k in _FRAMES if hasattr(model, k)},
           "arrays": {k: _plain(np.asarray(getattr(model, k))) for k in _ARRAYS if hasattr(model, k)},
           "at_bound": list(getattr(model, "at_bound_", []))}
    if hasattr(model, "standard_errors_"):
        doc["standard_errors"] = [float(v) for v in model.standard_errors_.to_numpy()]
    data = getattr(model, "data", None)
    if save_data and isinstance(data, pd.DataFrame):
        doc["data"] = _frame_to_json(data)
    return doc


def save_model(model, path, save_data: bool = True) -> None:
    """Write `model` to `path` as JSON, atomically (a crash leaves the previous file or the new one)."""
    write_text(path, json.dumps(model_document(model, save_data), ensure_ascii=False, indent=1) + "\n")


def _read(path) -> dict:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no saved model at {path}", file=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path} is not a saved model (not JSON: {e}); models are saved as JSON, "
                         "not as lifetimes' pickles", file=str(path)) from None
    found = doc.get("format") if isinstance(doc, dict) else None
    if found != FORMAT:
        raise InputError(f"{path} is not a saved model (format {found!r}, expected {FORMAT!r})", file=str(path))
    return doc


def load_into(model, path):
    """Load the model saved at `path` into `model` (which must be of the saved class) and return it."""
    doc = _read(path)
    if doc["model"] != type(model).__name__:
        raise InputError(f"{path} holds a {doc['model']}, not a {type(model).__name__}", file=str(path))
    model.penalizer_coef = float(doc["settings"]["penalizer_coef"])
    model.ci_method = doc["settings"]["ci_method"]
    model.params_ = {k: float(v) for k, v in doc["params"].items()}
    for k, v in doc["fitted"].items():
        setattr(model, k, v)
    for k, v in doc["frames"].items():
        setattr(model, k, _frame_from_json(v))
    for k, v in doc["arrays"].items():
        setattr(model, k, np.asarray(v, dtype=float))
    model.at_bound_ = list(doc.get("at_bound", []))
    if "standard_errors" in doc:
        model.standard_errors_ = pd.Series(doc["standard_errors"], index=list(model._names), name="se")
    model.data = _frame_from_json(doc["data"]) if "data" in doc else None
    return model


def load_model(path):
    """A model of the saved class, loaded from the JSON file at `path`."""
    doc = _read(path)
    classes = _model_classes()
    if doc["model"] not in classes:
        raise InputError(f"{path} holds an unknown model {doc['model']!r} (known: {sorted(classes)})",
                         file=str(path))
    return load_into(classes[doc["model"]](), path)
