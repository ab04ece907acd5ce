#!/usr/bin/env python3
"""Writes newsd.json(5) from config/README.md: its introduction, its table of settings (key,
default, meaning) and what a reload applies. One source for the settings' documentation;
the package ships the result. Usage: config-manual.py README.md VERSION DATE > newsd.json.5"""
import re
import sys


def roff(text):
    """Markdown inline text to roff: `code` in bold, escapes for backslashes and line starts."""
    text = text.replace("\\", "\\e")
    text = re.sub(r"`([^`]*)`", lambda m: "\\fB" + m.group(1) + "\\fR", text)
    text = text.replace("→", "\\(->").replace("…", "...")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def main():
    source, version, date = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(source, encoding="utf-8") as f:
        lines = f.read().split("\n")
    intro, rows, outro, part = [], [], [], "intro"
    for line in lines:
        if line.startswith("# "):
            continue
        if line.startswith("|"):
            part = "table"
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] in ("key",) or set(cells[0]) <= set("- "):
                continue
            rows.append(cells)
            continue
        if part == "table":
            part = "outro"
        (intro if part == "intro" else outro).append(line)
    if not rows:
        sys.exit("config-manual: no table of settings in " + source)

    def paragraphs(block):
        text = "\n".join(block).strip()
        return [p.replace("\n", " ") for p in re.split(r"\n\s*\n", text) if p.strip()]

    out = [
        '.TH NEWSD.JSON 5 "%s" "newsd %s" "File Formats"' % (date, version),
        ".SH NAME",
        "newsd.json \\- configuration file of the newsd news ingestion daemon",
        ".SH SYNOPSIS",
        "/etc/newsd/newsd.json",
        ".SH DESCRIPTION",
    ]
    for p in paragraphs(intro):
        out += [roff(p), ".PP"]
    out[-1:] = [".SH SETTINGS"]
    for key, default, meaning in (r[:3] for r in rows):
        out += [".TP", roff(key)]
        body = "Default: " + default + "." if default else ""
        if meaning:
            body = (body + " " if body else "") + meaning[0].upper() + meaning[1:] + ("" if meaning.endswith(".") else ".")
        out.append(roff(body or "See above."))
    out.append(".SH RELOADING")
    for p in paragraphs(outro):
        out += [roff(p), ".PP"]
    out[-1:] = [
        ".SH FILES",
        ".TP",
        "/etc/newsd/newsd.json",
        "The configuration file (a conffile of the package; readable by group newsd).",
        ".TP",
        "/usr/share/doc/newsd/newsd.example.json",
        "Every setting with its default.",
        ".SH SEE ALSO",
        ".BR newsd (8),",
        ".BR newsctl (1)",
    ]
    print("\n".join(out))


main()
