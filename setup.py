"""Build of the optional compiled scanner; all other metadata lives in pyproject.toml.

``lamlife.lifecycle.read._tailscan`` (lifecycle/read/_tailscan.c) reads ``aws logs tail`` text
and lamlife fetch JSON lines into compact columns. It is optional: where no C compiler exists
the build prints a warning and lamlife uses the pure-Python readers, with the same results.
``LAMLIFE_PURE_PYTHON=1`` forces the pure-Python readers at run time.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "lamlife.lifecycle.read._tailscan",
            sources=["lifecycle/read/_tailscan.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
