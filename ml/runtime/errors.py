"""Errors the runtime raises; the service maps them to responses."""


class EmptyTextError(ValueError):
    """A text holds nothing to classify: empty or only whitespace."""


class ModelArtifactsError(RuntimeError):
    """The model directory is missing a file or its model card is unusable."""


class BatcherClosedError(RuntimeError):
    """A prediction was asked of a micro-batcher that is not running."""
