"""The ``sibrisk`` command (filled in below)."""


def main(argv=None) -> int:
    return 0
