"""Inbox search and duplicate candidates, on whichever database the suite runs."""

from kamtibmas.aspirations.selectors import InboxFilters, aspiration_list, duplicate_candidates


def found(user, query):
    return {case.number for case in aspiration_list(user=user, filters=InboxFilters(query=query))}


def test_search_stems_indonesian_and_understands_chat_spelling(c2, submit):
    theft = submit("Motor saya dicuri di parkiran warung semalam.").aspiration
    loan = submit("Tetangga diteror pinjol, ditagih terus tiap hari.").aspiration
    lamp = submit("Lampu jalan di RT 03 mati sudah seminggu.").aspiration
    commander = c2.commander_polres
    assert found(commander, "pencurian motor") == {theft.number}
    assert found(commander, "curanmor") == {theft.number}
    assert found(commander, "pinjaman online") == {loan.number}
    assert found(commander, "lampu rt 3") == {lamp.number}
    assert found(commander, "kebakaran") == set()
    assert found(commander, lamp.number.lower()) == {lamp.number}


def test_search_stays_inside_the_users_scope(c2, submit):
    submit("Motor saya dicuri di parkiran warung semalam.")
    assert found(c2.officer_timur, "motor") == set()


def test_the_same_complaint_told_again_is_offered_as_a_duplicate(c2, submit):
    first = submit("Lampu jalan di RT 03 mati sudah seminggu, gelap banget.").aspiration
    submit("Motor saya dicuri di parkiran warung semalam.")
    hits = duplicate_candidates(text="PJU depan musholla RT03 padam udh 1 minggu", area=c2.rt001)
    assert [case for case, _score in hits] == [first]
    hidden = submit("Lampu jalan di RT 03 mati sudah seminggu.", privacy="confidential").aspiration
    public_only = [c for c, _s in duplicate_candidates(text=first.text, area=c2.rt001)]
    assert hidden not in public_only
    for_staff = [
        c
        for c, _s in duplicate_candidates(text=first.text, area=c2.rt001, user=c2.commander_polres)
    ]
    assert hidden in for_staff


def test_duplicates_are_found_across_a_kelurahan_border_but_not_far_away(c2, submit):
    from kamtibmas.areas.models import AreaKind, AreaLevel
    from kamtibmas.areas.services import area_create

    neighbour = area_create(
        code="32.75.04.1002",
        name="Marga Jaya",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent=c2.selatan,
    )
    text = "Lampu jalan di depan jembatan mati sudah seminggu, gelap banget."
    # 300 m away, across the border; and 5 km away in the same kecamatan.
    close = submit(text, area=neighbour, latitude=-6.2480, longitude=106.9890).aspiration
    far = submit(text, area=neighbour, latitude=-6.2900, longitude=106.9890).aspiration
    found = [
        case
        for case, _score in duplicate_candidates(
            text=text, area=c2.kayuringin, latitude=-6.2476, longitude=106.9870
        )
    ]
    assert close in found and far not in found
    assert duplicate_candidates(text=text, area=c2.kayuringin) == []
