"""Access tokens: issuing (auth), verifying (every service) and the resulting `Principal`.

FastAPI integration lives in `nocturna_platform.security.dependencies`.
"""

from nocturna_platform.security.jwks import JwksCache, KeySetUnavailableError, StaticKeySet, VerificationKeys
from nocturna_platform.security.principal import ROLE_PERMISSIONS, Principal
from nocturna_platform.security.signing import SigningKey, issue_access_token
from nocturna_platform.security.verifier import InvalidToken, TokenVerifier

__all__ = [
    "ROLE_PERMISSIONS",
    "InvalidToken",
    "JwksCache",
    "KeySetUnavailableError",
    "Principal",
    "SigningKey",
    "StaticKeySet",
    "TokenVerifier",
    "VerificationKeys",
    "issue_access_token",
]
