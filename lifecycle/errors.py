"""The LamlifeError family. The CLI turns each into one line on stderr and its exit code."""


class LamlifeError(Exception):
    """Base of every error lamlife reports to a user. ``exit_code`` follows DESIGN.md."""

    exit_code = 2


class InputError(LamlifeError):
    """Unreadable or unusable input: a path, a file's content, an option value (exit 2)."""

    exit_code = 2


class ConfigError(LamlifeError):
    """A bad configuration file: price table, budget, baseline (exit 2)."""

    exit_code = 2


class AwsAccessError(LamlifeError):
    """AWS access failed: credentials, permissions, missing resources, region (exit 3)."""

    exit_code = 3
