"""Checks shared by the browser tests."""

from __future__ import annotations


def assert_fits_the_phone(page) -> None:
    # A click that submits a form returns once the next page starts; until its stylesheet
    # has arrived, a layout forced from here measures the page unstyled.
    page.wait_for_load_state("load")
    overflow, culprits = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width)
                .slice(0, 5)
                .map(e => `${e.tagName.toLowerCase()}.${e.className}`);
            return [document.documentElement.scrollWidth - width, wide];
        }"""
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the phone screen: {culprits}"
