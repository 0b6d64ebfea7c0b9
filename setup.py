"""Builds the optional C tokenizer of MySQL dumps; metadata lives in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "intercop.evidence.readers.mysql_cvalues",
            sources=["src/intercop/evidence/readers/mysql_cvalues.c"],
            # without a compiler the pure-Python tokenizer is used (same results, slower)
            optional=True,
        ),
        Extension(
            "intercop.exchange.pprl.cdice",
            sources=["src/intercop/exchange/pprl/cdice.c"],
            # without a compiler the numpy (BLAS) Dice scan is used (same results, slower)
            optional=True,
        ),
    ]
)
