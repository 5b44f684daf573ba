"""Every module of lms/ imports: a module moved in a refactor leaves no importer behind
(import-linter passes over an import of a module that no longer exists)."""

import importlib
import pkgutil

import lms


def test_every_module_of_the_package_imports():
    failures = {}
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # the test reports every failure, not the first
            failures[module.name] = f"{type(exc).__name__}: {exc}"
    assert not failures, failures
