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
