"""The demo (§8) as ``kamtibmas demo`` builds it: the whole area registry and every
demo step, built once for this package (``conftest.demo``) and rolled back when the
package is done. Each module checks one app's part of it."""

from kamtibmas.core.demo import demo_steps


def run_demo_steps() -> None:
    for _name, step in demo_steps():
        step()
