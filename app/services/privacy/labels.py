"""Readable names for the audit trail's actions (the stored names are for machines)."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "account.created": "Account created",
    "account.deletion_cancelled": "Account deletion cancelled",
    "account.deletion_requested": "Account deletion requested",
    "account.did_changed": "Wallet identifier (DID) changed",
    "account.email_changed": "E-mail address changed",
    "account.email_verified": "E-mail address confirmed",
    "account.erased": "Personal data erased (account deleted)",
    "account.password_changed": "Password changed",
    "account.password_reset": "Password reset by e-mail link",
    "account.sso_sign_in": "Signed in with single sign-on",
    "award.recorded": "Micro-credential awarded",
    "community.created": "Community created",
    "community.exemplar_shared": "Evidence shared as an exemplar",
    "community.exemplar_withdrawn": "Exemplar withdrawn",
    "community.post_deleted": "Community post deleted",
    "community.post_reported": "Community post reported",
    "community.report_dismissed": "Report on a post dismissed",
    "credential.hidden": "Credential made private",
    "credential.issued": "Credential issued",
    "credential.published": "Credential made public",
    "credential.reissued": "Credential reissued",
    "credential.renewed": "Credential renewed",
    "credential.revoked": "Credential revoked",
    "credential.viewed": "Credential viewed by an administrator",
    "data_export.downloaded": "Copy of personal data downloaded",
    "data_export.requested": "Copy of personal data requested",
    "evidence.file_viewed": "Evidence file opened",
    "evidence.public_off": "Evidence made private",
    "evidence.public_on": "Evidence made public",
    "evidence.retention_removed": "Evidence files removed under the retention policy",
    "evidence.started": "Evidence submission started",
    "evidence.submitted": "Evidence submitted",
    "evidence.viewed": "Evidence viewed",
    "evidence.withdrawn": "Evidence withdrawn",
    "evidence_file.downloaded": "Evidence file downloaded",
    "impact.state_report_exported": "State report downloaded",
    "issuer.keys_rotated": "Issuer signing keys rotated",
    "member.invitation_resent": "Invitation sent again",
    "member.invitation_revoked": "Invitation withdrawn",
    "member.invited": "Person invited",
    "member.joined": "Member joined",
    "member.removed": "Member removed",
    "member.role_changed": "Member's role changed",
    "mentorship.assigned": "Coach assigned",
    "mentorship.ended": "Coaching ended",
    "microcredential.bulk_issued": "Credentials issued in bulk",
    "module.archived": "Module archived",
    "module.completed": "Module completed",
    "module.created": "Module created",
    "module.enrolled": "Enrolled in a module",
    "module.published": "Module published",
    "organization.created": "Organization created",
    "organization.domain_removed": "E-mail domain removed",
    "organization.domain_verified": "E-mail domain confirmed",
    "organization.retention_changed": "Evidence retention period changed",
    "pathway.completed": "Pathway completed",
    "pathway.created": "Pathway created",
    "platform_admin.created": "Platform administrator created",
    "profile.viewed": "Coaching profile and progress viewed",
    "review.assigned": "Review assigned to a coach",
    "review.calibrated": "Second (calibration) review recorded",
    "review.decided": "Evidence decided",
    "sso.configured": "Single sign-on configured",
    "sso.link_held": "Single sign-on link held for review",
    "sso.linked": "Single sign-on linked",
    "submission.viewed": "Evidence submission viewed by a reviewer",
    "token.created": "Access token created",
    "token.revoked": "Access token revoked",
}
"""Action -> what it means, in plain words."""

TARGET_LABELS: dict[str, str] = {
    "access_token": "Access token",
    "award": "Award",
    "community": "Community",
    "community_exemplar": "Exemplar",
    "community_member": "Community membership",
    "community_post": "Community post",
    "community_report": "Report",
    "community_thread": "Thread",
    "credential": "Credential",
    "invitation": "Invitation",
    "membership": "Membership",
    "mentorship": "Coaching",
    "micro_credential": "Micro-credential",
    "module": "Module",
    "oidc_provider": "Single sign-on provider",
    "organization": "Organization",
    "pathway": "Pathway",
    "submission": "Evidence submission",
    "user": "Account",
}


def label(action: str) -> str:
    """The readable name of an action (a tidied form of the stored name when unlisted)."""
    found = LABELS.get(action)
    if found:
        return found
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def target_label(kind: str | None) -> str:
    """The readable name of a target type."""
    if not kind:
        return ""
    return TARGET_LABELS.get(kind, kind.replace("_", " ").capitalize())
