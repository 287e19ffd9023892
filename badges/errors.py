"""Exceptions raised by the badges library."""

from __future__ import annotations


class BadgeError(Exception):
    """Base class of every error raised by this library."""


class UnknownContextError(BadgeError):
    """A JSON-LD context URL that is not bundled (it is never fetched)."""


class CanonicalizationError(BadgeError):
    """JSON-LD expansion or RDFC-1.0 canonicalization failed."""


class KeyMaterialError(BadgeError):
    """A key could not be parsed, resolved or used."""


class ResolutionError(BadgeError):
    """A DID, verification method or key could not be resolved."""


class ProofError(BadgeError):
    """A proof is malformed or does not verify."""


class StatusError(BadgeError):
    """A status list is malformed or could not be obtained."""


class BakingError(BadgeError):
    """An image is malformed or does not hold a credential."""


class FormatError(BadgeError):
    """Input is not a credential this library can read."""


class TooComplexError(BadgeError):
    """Verifying would take more work or time than the verification's limits allow."""
