"""Domain errors. Each carries one French sentence for the user; only the CLI and the flows
turn them into exit codes or failed states (STYLE §7)."""


class ClausesError(Exception):
    """An error the user can act on; `str(error)` is the French sentence shown to them."""

    exit_code = 1


class ConfigError(ClausesError):
    """`config.yaml` is missing, unreadable or holds a wrong value (exit code 2)."""

    exit_code = 2


class RegisterError(ClausesError):
    """The facilitator's registers are invalid: the run stops before touching anything (SPEC §4)."""

    exit_code = 3


class WorkspaceError(ClausesError):
    """A folder of the workspace cannot be created, read or written."""

    exit_code = 4


class PassInProgress(ClausesError):
    """Another ingest pass holds the workspace's lock: this one does nothing (exit code 5)."""

    exit_code = 5


class DatabaseError(ClausesError):
    """The ledger database cannot be reached: server down, wrong credentials, driver missing
    (exit code 6). A malformed URL is a configuration error (2)."""

    exit_code = 6


class FileRejected(ClausesError):
    """A whole submitted file is refused (file-level reason code of SPEC §6)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
