"""sibrisk.save: a classic netCDF file, whole or not at all, that declares its
conventions and whose bytes depend only on the data."""

from __future__ import annotations

import xarray as xr

import sibrisk
from sibrisk.report.netcdf import CONVENTIONS


def test_a_saved_simulation_declares_its_conventions(tmp_path):
    ds = sibrisk.simulate("drc-sib-2023", runs=2_000, seed=4)
    path = sibrisk.save(ds, tmp_path / "runs.nc")
    assert path.read_bytes()[:3] == b"CDF"  # the classic format, no HDF5
    with xr.open_dataset(path, engine="scipy") as back:
        assert back.attrs["Conventions"] == CONVENTIONS == "CF-1.8"
        assert back.attrs["seed"] == 4 and back.attrs["currency"] == "DKK"
        xr.testing.assert_identical(back.investor_result.load(), ds.investor_result)
    assert "Conventions" not in ds.attrs  # the dataset itself is left as it was


def test_a_dataset_keeps_its_own_conventions(tmp_path):
    ds = xr.Dataset({"x": ("i", [1.0, 2.0])}, attrs={"Conventions": "CF-1.10"})
    with xr.open_dataset(sibrisk.save(ds, tmp_path / "x.nc"), engine="scipy") as back:
        assert back.attrs["Conventions"] == "CF-1.10"


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    """As the docs promise: the file depends only on the data."""
    files = [sibrisk.save(sibrisk.simulate("drc-sib-2023", runs=2_000, seed=seed),
                          tmp_path / f"{name}.nc").read_bytes()
             for name, seed in (("a", 9), ("b", 9), ("c", 10))]
    assert files[0] == files[1]
    assert files[0] != files[2]
