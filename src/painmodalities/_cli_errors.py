"""The command line's own error: a request it cannot carry out.

It lives in a module of its own so that every part of the command line (the reading of
its inputs, each subcommand) can raise it without importing :mod:`painmodalities.cli`,
which imports them all; :mod:`painmodalities.cli` re-exports it under its public name.
"""

from painmodalities.errors import PainModalitiesError

__all__ = ["CliError"]


class CliError(PainModalitiesError):
    """A request the command line cannot carry out, such as a file that is not UTF-8 text.

    It belongs to the command line, so it lives with it (the core never imports the command
    line), under the library's one root :class:`~painmodalities.PainModalitiesError`.
    """


CliError.__module__ = "painmodalities.cli"  # its public home, as tracebacks and docs name it
