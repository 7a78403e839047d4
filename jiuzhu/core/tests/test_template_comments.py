"""Django's `{# … #}` comment ends on its own line: one left open prints the rest of its text on the page (the
portal once showed an English note about import layers to the public). Multi-line notes use {% comment %}."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the jiuzhu package


def test_no_template_comment_runs_over_a_line():
    open_comments = []
    for template in sorted(ROOT.rglob("templates/**/*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2:]
                if "#}" not in rest:
                    open_comments.append(f"{template.relative_to(ROOT.parent)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2:]
    assert open_comments == []
