"""What tests of several modules build: one module per domain, imported by the tests (never a test module by another).

`tests/test_no_test_imports_a_test.py` keeps it so. Factories of single models stay in `tests/factories.py`; fixtures
that several modules use live in `tests/conftest.py` and call the builders here.
"""
