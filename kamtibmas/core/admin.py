"""Admin classes scoped exactly like every other read (``core.scope``)."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from kamtibmas.areas.models import Area, Unit
from kamtibmas.core.scope import scope_for, visible_to
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record


class KamtibmasAdminSite(admin.AdminSite):
    """The admin site. A signed-in user without admin access gets 403 (SECURITY.md 8)
    instead of the admin's login form; anonymous visitors still go to that form."""

    site_title = "Kamtibmas"
    site_header = "Kamtibmas"

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)


class ScopedAdmin(admin.ModelAdmin):
    """Lists, change pages and the choices of relations only show what the user may see.

    A record outside the user's scope is absent from the queryset; its change,
    delete and history pages answer 404 (the admin's default would redirect with a
    "doesn't exist" message, which §2 does not allow). Foreign keys and many-to-many
    fields to a unit or an area offer only those in the user's scope, in the form and
    in the autocomplete endpoint; a user whose scope is not everything must fill in
    every foreign key to a unit.
    """

    #: Fields holding personal data: showing them on a change page writes an audit row.
    personal_fields: tuple[str, ...] = ()
    #: Related models whose choices (foreign keys, many-to-many) are narrowed to the
    #: user's scope, in forms and in the autocomplete endpoint.
    scoped_relations: tuple[type[models.Model], ...] = (Unit, Area)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if change and obj is not None and self.personal_fields:
            audit_record(
                actor=request.user,
                action=AuditAction.READ,
                subject=obj,
                fields=self.personal_fields,
                reason="Opened in the admin",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return visible_to(super().get_queryset(request), request.user)

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet[Any], search_term: str
    ) -> tuple[models.QuerySet[Any], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return self.autocomplete_choices(self.admin_site, request, queryset), may_have_duplicates

    def related_choices(
        self, request: HttpRequest, db_field: models.Field[Any, Any], queryset: models.QuerySet[Any]
    ) -> models.QuerySet[Any]:
        """What ``request.user`` may pick for ``db_field``: a unit or an area in their scope.

        A user who could pick any unit or area could hand a record, or a unit's
        coverage, to a place outside their own scope.
        """
        if db_field.related_model in self.scoped_relations:
            return visible_to(queryset, request.user)
        return queryset

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        queryset = self._scoped_choices(request, db_field)
        if queryset is not None:
            kwargs["queryset"] = queryset
        if db_field.related_model is Unit and not scope_for(request.user).everything:
            # Without a unit the record would leave the user's scope (and a unit
            # without a parent, the sight of every unit above it).
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        queryset = self._scoped_choices(request, db_field)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _scoped_choices(
        self, request: HttpRequest, db_field: models.Field[Any, Any]
    ) -> models.QuerySet[Any] | None:
        """The choices of a relation to one of ``scoped_relations``; ``None`` for others."""
        for model in self.scoped_relations:
            if db_field.related_model is model:
                return self.related_choices(request, db_field, model._default_manager.all())
        return None

    @staticmethod
    def autocomplete_choices(
        admin_site: admin.AdminSite, request: HttpRequest, queryset: models.QuerySet[Any]
    ) -> models.QuerySet[Any]:
        """Narrow the results of the admin's autocomplete endpoint to what the source
        field's form accepts (``related_choices`` of the source model's ScopedAdmin).

        The endpoint lists through the *remote* model's admin: a ScopedAdmin narrows
        by itself, others holding scoped choices (the public area registry) call this
        from their ``get_search_results``. Other requests are left alone.
        """
        match = request.resolver_match
        if (
            match is None
            or match.url_name != "autocomplete"
            or admin_site.name not in match.namespaces
        ):
            return queryset
        try:
            source_model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
            source_field = source_model._meta.get_field(request.GET["field_name"])
            source_admin = admin_site.get_model_admin(source_model)
        except (KeyError, LookupError, FieldDoesNotExist, NotRegistered):
            return queryset.none()
        if not isinstance(source_admin, ScopedAdmin):
            return queryset
        return source_admin.related_choices(request, source_field, queryset)
