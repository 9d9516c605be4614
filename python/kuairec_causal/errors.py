"""User-facing errors: one line that names the file, column or parameter at fault."""


class KuaiRecError(Exception):
    """An input or configuration problem the user can fix.

    The command-line entry point prints ``str(error)`` on one line and exits non-zero, so the
    message must name what is wrong (file, column, parameter) and stand on its own.
    """


class InputError(KuaiRecError):
    """Bad input data: a missing path, a corrupt archive, a malformed CSV."""


class ParameterError(KuaiRecError, ValueError):
    """A bad argument to a library function or command (names the parameter)."""
