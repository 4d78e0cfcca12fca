"""The Examples in the docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import sibrisk

MODULES = sorted(m.name for m in pkgutil.walk_packages(sibrisk.__path__, "sibrisk.")
                 if m.name != "sibrisk.__main__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_examples_exist():
    total = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert total >= 5
