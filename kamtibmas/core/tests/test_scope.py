from kamtibmas.areas.models import Area, Unit
from kamtibmas.core.scope import visible_to


def test_polsek_officers_see_only_their_own_units_and_polres_sees_both(bekasi):
    def names(user):
        return set(visible_to(Unit.objects.all(), user).values_list("name", flat=True))

    assert names(bekasi.officer_selatan) == {"Polsek Bekasi Selatan", "Pos Polisi Kayuringin"}
    assert names(bekasi.officer_timur) == {"Polsek Bekasi Timur", "Pos Polisi Margahayu"}
    assert names(bekasi.commander_polres) == {
        "Polres Metro Bekasi Kota",
        "Polsek Bekasi Selatan",
        "Polsek Bekasi Timur",
        "Pos Polisi Kayuringin",
        "Pos Polisi Margahayu",
    }
    assert names(bekasi.resident) == set()


def test_area_scope_reaches_rw_and_rt_below_the_coverage(bekasi):
    inside = set(
        visible_to(Area.objects.all(), bekasi.officer_selatan).values_list("code", flat=True)
    )
    assert inside == {"32.75.04", "32.75.04.1005", "32.75.04.1005.024"}


def test_partner_staff_see_their_agency_not_the_areas_records(bekasi):
    from kamtibmas.accounts.models import Role
    from kamtibmas.accounts.services import user_create
    from kamtibmas.areas.models import UnitKind
    from kamtibmas.areas.services import unit_create

    kelurahan = unit_create(
        name="Kelurahan Kayuringin Jaya", kind=UnitKind.KELURAHAN, coverage=[bekasi.kayuringin]
    )
    lurah = user_create(username="lurah", role=Role.PARTNER, unit=kelurahan, password=None)
    assert list(visible_to(Unit.objects.all(), lurah)) == [kelurahan]
    assert not visible_to(Area.objects.all(), lurah).exists()


def test_scope_keeps_only_the_outermost_covered_areas(bekasi):
    from kamtibmas.core.scope import scope_for

    # Polres covers Kota Bekasi; its posts' villages lie inside it and are dropped.
    assert [area.code for area in scope_for(bekasi.commander_polres).areas] == ["32.75"]
    assert [area.code for area in scope_for(bekasi.officer_selatan).areas] == ["32.75.04"]


def test_scope_is_computed_once_per_user_object(bekasi, django_assert_num_queries):
    user = bekasi.commander_polres
    visible_to(Unit.objects.all(), user)
    with django_assert_num_queries(1):
        list(visible_to(Unit.objects.all(), user))
