"""Open Badges 3.0: build, sign, verify, keys, status lists and baking. Imports nothing from app/.

See docs/badges.md for usage and the resolver interfaces the app implements.
"""

from badges.baking import bake, bake_png, bake_svg, unbake, unbake_png, unbake_svg
from badges.budget import Limits, WorkBudget
from badges.builder import (
    build_credential,
    build_endorsement,
    issue,
    issue_status_list,
    new_id,
)
from badges.canonical import canonicalize
from badges.dataintegrity import sign_data_integrity, verify_data_integrity
from badges.dids import (
    did_document,
    did_key,
    did_key_method_id,
    did_web,
    did_web_url,
    jwks,
    resolve_did_key,
    verification_method,
)
from badges.errors import (
    BadgeError,
    BakingError,
    CanonicalizationError,
    FormatError,
    KeyMaterialError,
    ProofError,
    ResolutionError,
    StatusError,
    TooComplexError,
    UnknownContextError,
)
from badges.keys import (
    KeyPair,
    jwk_to_public_key,
    load_key_file,
    multikey_decode,
    multikey_encode,
    public_jwk,
    save_key_file,
)
from badges.loader import document_loader
from badges.models import (
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    EndorsementCredential,
    EndorsementSubject,
    Evidence,
    IdentityObject,
    Image,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from badges.recipient import email_identity, hash_identity, identity_matches, subject_matches
from badges.resolver import DocumentKeyResolver, Fetcher, KeyResolver, ResolvedKey
from badges.result import Check, VerificationResult
from badges.schema import schema_errors
from badges.status import StatusAllocator, StatusList, status_entry, status_list_credential
from badges.vcjwt import decode_unverified, sign_jwt
from badges.verify import verify

__all__ = [
    "Achievement",
    "AchievementSubject",
    "Alignment",
    "BadgeError",
    "BakingError",
    "CanonicalizationError",
    "Check",
    "Criteria",
    "DocumentKeyResolver",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "Fetcher",
    "FormatError",
    "IdentityObject",
    "Image",
    "KeyMaterialError",
    "KeyPair",
    "KeyResolver",
    "Limits",
    "OpenBadgeCredential",
    "Profile",
    "ProofError",
    "ResolutionError",
    "ResolvedKey",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "StatusAllocator",
    "StatusError",
    "StatusList",
    "TooComplexError",
    "UnknownContextError",
    "VerificationResult",
    "WorkBudget",
    "bake",
    "bake_png",
    "bake_svg",
    "build_credential",
    "build_endorsement",
    "canonicalize",
    "decode_unverified",
    "did_document",
    "did_key",
    "did_key_method_id",
    "did_web",
    "did_web_url",
    "document_loader",
    "email_identity",
    "hash_identity",
    "identity_matches",
    "issue",
    "issue_status_list",
    "jwk_to_public_key",
    "jwks",
    "load_key_file",
    "multikey_decode",
    "multikey_encode",
    "new_id",
    "public_jwk",
    "resolve_did_key",
    "save_key_file",
    "schema_errors",
    "sign_data_integrity",
    "sign_jwt",
    "status_entry",
    "status_list_credential",
    "subject_matches",
    "unbake",
    "unbake_png",
    "unbake_svg",
    "verification_method",
    "verify",
    "verify_data_integrity",
]
