"""Domain errors raised by services; the API answers them with 409, pages with a message."""


class ConflictError(Exception):
    """The object is in the wrong state for the action, or was changed meanwhile."""

    def __init__(self, message, *, current=None):
        super().__init__(message)
        self.message = message
        self.current = current


class InvalidTransition(ConflictError):
    pass


class StaleVersion(ConflictError):
    pass
