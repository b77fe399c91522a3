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
