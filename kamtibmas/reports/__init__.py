"""PDF reports made by the worker: a closing report per dialogue and a monthly report
per unit (C6, issue 10 point 3)."""
