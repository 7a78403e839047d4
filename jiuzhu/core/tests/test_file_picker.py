"""The one file picker (core/forms.ChineseFileInput and templates/_file_input.html): Chinese whatever language the
browser asks, the field keeps its <label>, and no page writes a bare <input type=file> (Chromium would show its own
English "Choose File / No file chosen" there)."""

import re
from pathlib import Path

from django import forms
from django.template.loader import render_to_string

from jiuzhu.core.forms import ChineseFileInput

ROOT = Path(__file__).resolve().parents[2]  # the jiuzhu package
PICKERS = {"templates/_file_input.html", "core/templates/core/widgets/chinese_file_input.html"}


def test_no_template_writes_a_bare_file_input():
    bare = [str(t.relative_to(ROOT)) for t in sorted(ROOT.rglob("*.html"))
            if 'type="file"' in t.read_text(encoding="utf-8") and str(t.relative_to(ROOT)) not in PICKERS]
    assert bare == []


def test_no_form_uses_django_s_own_file_widget():
    own = re.compile(r"\b(?<!Chinese)(?:Clearable)?FileInput\(")
    found = [str(p.relative_to(ROOT)) for p in sorted(ROOT.rglob("*.py"))
             if "tests" not in p.parts and p != ROOT / "core" / "forms.py"
             and own.search(p.read_text(encoding="utf-8"))]
    assert found == []


class _Form(forms.Form):
    scan = forms.FileField(label="决定文书扫描件", widget=ChineseFileInput(attrs={"accept": "application/pdf"}))


def test_widget_keeps_the_label_and_shows_chinese():
    html = str(_Form()["scan"].as_field_group())
    assert '<label for="id_scan">决定文书扫描件' in html
    real = re.search(r'<input type="file"[^>]*>', html).group(0)
    assert 'id="id_scan"' in real and 'name="scan"' in real and 'class="file-picker-input"' in real
    assert 'accept="application/pdf"' in real and "required" in real
    assert '<span class="file-picker-button" aria-hidden="true">选择文件</span>' in html
    assert '<span class="file-picker-name" aria-live="polite">未选择文件</span>' in html


def test_include_renders_the_same_picker():
    html = render_to_string("_file_input.html", {"id": "photo", "name": "photo", "accept": "image/png",
                                                  "multiple": True, "required": True, "capture": "environment"})
    real = re.search(r'<input type="file"[^>]*>', html).group(0)
    for part in ('class="file-picker-input"', 'id="photo"', 'name="photo"', 'accept="image/png"',
                 'capture="environment"', " multiple", " required"):
        assert part in real
    assert "选择文件" in html and "未选择文件" in html
    bare = render_to_string("_file_input.html", {"name": "file"})
    assert " required" not in bare and " multiple" not in bare and "id=" not in bare


def test_both_layouts_load_the_picker_script_from_the_project():
    script = ROOT / "static" / "jiuzhu" / "filepicker.js"
    assert "未选择文件" in script.read_text(encoding="utf-8")
    for layout in ("templates/base.html", "intake/templates/intake/portal/base.html"):
        assert "{% static 'jiuzhu/filepicker.js' %}" in (ROOT / layout).read_text(encoding="utf-8")
