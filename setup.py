"""The compiled part of credittool: the xlsx preflight's common-form scanner. It is
optional: where it cannot be built (no compiler, no Python headers) the install still
succeeds and preflight runs the same scan in Python (read/preflight/xlsx.py)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("credittool.read.preflight.xlsxscan", ["src/credittool/read/preflight/xlsxscan.c"],
                             optional=True)])
