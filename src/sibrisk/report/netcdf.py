"""Writing a dataset to netCDF, whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._io import atomic_write
from ..errors import SibriskError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["save"]

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

#: The metadata conventions a saved file declares in its ``Conventions`` attribute: the
#: CF conventions, version 1.8 (a title and the provenance as global attributes, the
#: currency and valuation stated where the money is).
CONVENTIONS = "CF-1.8"


def save(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write a dataset to netCDF, atomically.

    The file is written beside its target and renamed into place only when
    complete, so a failure never leaves a half-written file. sibrisk writes
    the classic netCDF format (``engine="scipy"``, no extra library needed),
    whose bytes depend only on the data: the same seed gives the same file.
    Integer attributes beyond 32 bits (a large seed) are stored as text. The
    file declares the metadata conventions it follows in its ``Conventions``
    attribute (``CF-1.8``, unless the dataset names its own).

    The classic format cannot be compressed; a netCDF-4 (HDF5) file could be,
    but it needs the HDF5 library and its bytes are not reproducible in the
    same way, so sibrisk keeps the classic one. Files of a large simulation
    compress well with ``gzip``, or write one yourself with
    ``ds.to_netcdf(path, engine="h5netcdf", encoding=...)``.

    Raises
    ------
    SibriskError
        If the path does not end in ``.nc`` or its folder does not exist.
    """
    import numpy as np

    path = Path(path)
    if path.suffix != ".nc":
        raise SibriskError(f"{path}: a netCDF file must end in .nc")
    if not path.parent.exists():
        raise SibriskError(f"{path}: folder {path.parent} does not exist")
    out = ds.copy(deep=False)
    out.attrs = {"Conventions": CONVENTIONS} | {
        k: (str(v) if isinstance(v, int | np.integer) and not _INT32_MIN <= v <= _INT32_MAX
            else v) for k, v in ds.attrs.items()}
    return atomic_write(path, lambda tmp: out.to_netcdf(tmp, engine="scipy"))
