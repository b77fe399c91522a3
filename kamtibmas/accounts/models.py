"""Users with a role (§2) and a unit, and their API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedCharField, EncryptedEmailField


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COMMUNITY_OFFICER = "community_officer", _("Community officer (Bhabinkamtibmas)")
    DESK_OFFICER = "desk_officer", _("Desk officer (SPKT)")
    HANDLER = "handler", _("Handler")
    PARTNER = "partner", _("Partner agency")
    COMMANDER = "commander", _("Commander")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
#: Roles that record and read loss reports (C3); handlers and partner agencies do not.
LOSS_REPORT_ROLES = frozenset(
    {Role.COMMUNITY_OFFICER, Role.DESK_OFFICER, Role.COMMANDER, Role.ADMIN}
)
#: Roles that run aid programs and hand out aid (C4).
AID_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.COMMANDER, Role.ADMIN})


class User(AbstractUser):
    """A person who signs in. Staff belong to exactly one unit (§2)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    # Django's own column, encrypted (SECURITY.md 1): nothing looks users up by email
    # (no password reset by email; staff alerts read it from the user). NULL when absent.
    email = EncryptedEmailField(_("email address"), max_length=254, blank=True, null=True)
    rank = models.CharField(_("rank"), max_length=60, blank=True)
    nrp = models.CharField(_("NRP/NIP"), max_length=20, blank=True)
    # NULL, not "", when absent: the encrypted column stores nothing for a missing value
    # and the blind index must not make every user without a phone "equal".
    phone = EncryptedCharField(_("phone"), max_length=20, blank=True, null=True)
    phone_index = models.CharField(  # noqa: DJ001
        max_length=64, blank=True, null=True, db_index=True, editable=False
    )

    tenant_unit_path = "unit"
    #: What the API token that authenticated this request allows (``TokenScope``
    #: values); set by ``api_token_authenticate``, empty otherwise.
    api_token_scopes: frozenset[str] = frozenset()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["resident", "admin"]) | models.Q(unit__isnull=False),
                name="staff_user_has_unit",
                violation_error_message=_("Staff users must belong to a unit."),
            ),
        ]

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def may_use_staff_area(self) -> bool:
        """Staff roles of §2, and superusers created before they were given a role."""
        return self.is_active and (self.is_staff_role or self.is_superuser)

    @property
    def may_handle_loss_reports(self) -> bool:
        return self.is_active and self.role in LOSS_REPORT_ROLES

    @property
    def may_distribute_aid(self) -> bool:
        return self.is_active and self.role in AID_ROLES

    @property
    def display_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{self.rank} {name}".strip() if self.rank else name


class TokenScope(models.TextChoices):
    """What an API token may do (docs/decisions/026-staff-accounts.md).

    ``read``: the safe operations (GET). ``write``: every change, intake included.
    ``intake``: only submitting aspirations and loss reports (a kiosk, a partner's form).
    """

    READ = "read", _("Read")
    WRITE = "write", _("Write")
    INTAKE = "intake", _("Intake")


#: The scopes of a token issued without any, and of the tokens issued before scopes.
TOKEN_SCOPES_ALL = "intake read write"  # noqa: S105 (scope names, not a secret)


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored; the token is shown once.

    It works until ``expires_at`` (or until revoked) for the operations its ``scopes``
    (space-separated ``TokenScope`` values) allow.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, blank=True)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("Shown to tell tokens apart.")
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    scopes = models.CharField(_("scopes"), max_length=40, default=TOKEN_SCOPES_ALL)

    tenant_unit_path = "user__unit"

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
