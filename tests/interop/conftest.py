"""Pytest wiring for the interop tests: print the agreement summary at the end of the run."""

SUMMARY = []


def pytest_terminal_summary(terminalreporter):
    for line in SUMMARY:
        terminalreporter.write_line(line)


def pytest_configure(config):
    # The reference validator still catches a deprecated jsonschema exception; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:stix2validator")
