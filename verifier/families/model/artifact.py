"""The scorer artifact: a numpy `.npz` (no pickles) holding a linear model and its card.

Arrays: `idf` and `coef` (one per hashed n-gram bucket), `cue_coef`, `cue_mean`, `cue_scale`
(one per weak-signal cue), and `meta`, a JSON card (format, bits, fields, cue names,
intercept, calibration, threshold, training data and cross-validation figures). A file that
does not hold exactly this is refused with the reason; the caller keeps what it had.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from verifier.families.model.features import FIELDS

FORMAT = 1
MAX_BYTES = 5 * 1024 * 1024
_ARRAYS = ("idf", "coef", "cue_coef", "cue_mean", "cue_scale")


class BadArtifact(ValueError):
    """A model file that cannot be served, with the reason."""


@dataclass(frozen=True)
class Scorer:
    """A loaded linear scorer: z = intercept + Σ field tf-idf·coef + scaled cues·cue_coef."""

    bits: int
    idf: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    cue_names: tuple[str, ...]
    cue_coef: npt.NDArray[np.float64]
    cue_mean: npt.NDArray[np.float64]
    cue_scale: npt.NDArray[np.float64]
    intercept: float
    calib_a: float
    calib_b: float
    threshold: float
    meta: dict[str, Any]

    def probability(self, z: float) -> float:
        """Calibrated probability of a raw score."""
        t = self.calib_a * z + self.calib_b
        return 1.0 / (1.0 + math.exp(-t)) if t > -700 else 0.0

    def to_bytes(self) -> bytes:
        """The `.npz` file (compressed)."""
        meta = {**self.meta, "format": FORMAT, "bits": self.bits, "fields": list(FIELDS),
                "cue_names": list(self.cue_names), "intercept": self.intercept,
                "calibration": [self.calib_a, self.calib_b], "threshold": self.threshold}
        buf = io.BytesIO()
        np.savez_compressed(buf, idf=self.idf.astype(np.float32),
                            coef=self.coef.astype(np.float32), cue_coef=self.cue_coef,
                            cue_mean=self.cue_mean, cue_scale=self.cue_scale,
                            meta=np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)))
        return buf.getvalue()


def _meta(files: Any) -> dict[str, Any]:
    try:
        meta = json.loads(str(files["meta"][()]))
    except (KeyError, ValueError) as exc:
        raise BadArtifact(f"no readable 'meta' card ({exc})") from exc
    if not isinstance(meta, dict):
        raise BadArtifact("'meta' is not a JSON object")
    if meta.get("format") != FORMAT:
        raise BadArtifact(f"format {meta.get('format')!r}, this build reads format {FORMAT}")
    if meta.get("fields") != list(FIELDS):
        raise BadArtifact(f"trained on fields {meta.get('fields')!r}, this build featurizes "
                          f"{list(FIELDS)}")
    return meta


def _number(meta: dict[str, Any], key: str) -> float:
    value = meta.get(key)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadArtifact(f"meta {key!r} is not a finite number: {value!r}")
    return float(value)


def load_scorer(raw: bytes, cue_names: tuple[str, ...]) -> Scorer:
    """Parse and validate an artifact; `cue_names` are the cues this build computes."""
    if len(raw) > MAX_BYTES:
        raise BadArtifact(f"{len(raw)} bytes, over the {MAX_BYTES} byte limit")
    try:
        files = np.load(io.BytesIO(raw), allow_pickle=False)
        arrays = {k: np.asarray(files[k]) for k in _ARRAYS}
    except KeyError as exc:
        raise BadArtifact(f"missing array {exc}") from exc
    except Exception as exc:  # numpy raises many kinds on a damaged file
        raise BadArtifact(f"not a numpy .npz archive ({type(exc).__name__}: {exc})") from exc
    meta = _meta(files)
    bits = meta.get("bits")
    if not isinstance(bits, int) or not 10 <= bits <= 22:
        raise BadArtifact(f"meta 'bits' must be an integer 10-22, got {bits!r}")
    if tuple(meta.get("cue_names", ())) != cue_names:
        raise BadArtifact(f"trained on cues {meta.get('cue_names')!r}, this build computes "
                          f"{list(cue_names)}: retrain")
    for k in ("idf", "coef"):
        if arrays[k].shape != (2**bits,):
            raise BadArtifact(f"array {k!r} has shape {arrays[k].shape}, expected ({2**bits},)")
    for k in ("cue_coef", "cue_mean", "cue_scale"):
        if arrays[k].shape != (len(cue_names),):
            raise BadArtifact(f"array {k!r} has shape {arrays[k].shape}, "
                              f"expected ({len(cue_names)},)")
    for k, a in arrays.items():
        if not np.all(np.isfinite(a)):
            raise BadArtifact(f"array {k!r} holds NaN or infinite values")
    if np.any(arrays["cue_scale"] <= 0):
        raise BadArtifact("array 'cue_scale' must be positive")
    calib = meta.get("calibration")
    if not (isinstance(calib, list) and len(calib) == 2
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in calib)):
        raise BadArtifact(f"meta 'calibration' must be two finite numbers, got {calib!r}")
    threshold = _number(meta, "threshold")
    if not 0 < threshold < 1:
        raise BadArtifact(f"meta 'threshold' must be between 0 and 1, got {threshold}")
    return Scorer(bits, arrays["idf"].astype(np.float32), arrays["coef"].astype(np.float32),
                  cue_names, arrays["cue_coef"].astype(np.float64),
                  arrays["cue_mean"].astype(np.float64), arrays["cue_scale"].astype(np.float64),
                  _number(meta, "intercept"), float(calib[0]), float(calib[1]), threshold, meta)
