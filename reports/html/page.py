"""One self-contained HTML page: styles, the vendored chart scripts, specs and tables inline.

The page loads nothing: a Content-Security-Policy in its ``<head>`` forbids every network
request (``default-src 'none'``), scripts run inline, and Vega evaluates its expressions with
its interpreter (vega-embed's ``ast`` option), so no ``eval`` is needed either. Each chart is
a ``<div data-chart=ID>`` with its Vega-Lite spec in ``<script type="application/json"
id=ID>``; tests read the specs back from there.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from lamlife.reports.sections import Section

VENDOR_SCRIPTS: tuple[str, ...] = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
LICENCES = "LICENSES.txt"

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; connect-src 'none'; font-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)

_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)

STYLE = """
:root { --fg: #1b1f23; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --soft: #f6f8fa;
        --bad: #cf222e; --bad-bg: #ffebe9; --good: #1a7f37; --good-bg: #dafbe1; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
p.meta, p.note, figcaption { color: var(--muted); margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr));
         gap: 12px; margin: 18px 0 8px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
        background: var(--soft); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
               letter-spacing: .04em; }
.card .value { font-size: 26px; font-weight: 600; margin: 2px 0; }
.card .detail { color: var(--muted); font-size: 12.5px; }
.card.bad .value { color: var(--bad); }
figure.chart { margin: 22px 0; padding: 10px 12px; border: 1px solid var(--line);
               border-radius: 8px; overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.keyvalue td:first-child { color: var(--muted); white-space: nowrap; }
tr.fail td { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
tr.pass td:last-child { color: var(--good); }
tr.no_data td { color: var(--muted); }
.verdict-banner { border-radius: 8px; padding: 10px 14px; font-weight: 600; margin: 14px 0; }
.verdict-banner.ok { background: var(--good-bg); color: var(--good); }
.verdict-banner.failed { background: var(--bad-bg); color: var(--bad); }
.chart-error { color: var(--bad); }
details.licences pre { white-space: pre-wrap; font-size: 11px; max-height: 320px;
                       overflow: auto; background: var(--soft); padding: 8px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
"""

# Draws every chart of the page; marks each chart element data-rendered=yes|error and the
# body data-charts=<count> when all are done (tests and screenshots wait for it).
LOADER = """
(function () {
  var options = {renderer: "svg", ast: true,
                 actions: {export: true, source: false, compiled: false, editor: false}};
  var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
  var done = charts.map(function (el) {
    var spec = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
    return vegaEmbed(el, spec, options).then(function () {
      el.setAttribute("data-rendered", "yes");
    }).catch(function (err) {
      el.setAttribute("data-rendered", "error");
      el.className += " chart-error";
      el.textContent = "This chart could not be drawn: " + err;
      console.error(err);
    });
  });
  Promise.all(done).then(function () {
    document.body.setAttribute("data-charts", String(charts.length));
  });
})();
"""


@lru_cache(maxsize=1)
def vendor_scripts() -> str:
    """The vendored vega, vega-lite and vega-embed scripts, source-map comments removed."""
    folder = resources.files("lamlife.reports.html") / "vendor"
    parts = []
    for name in VENDOR_SCRIPTS:
        text = (folder / name).read_text(encoding="utf-8")
        parts.append(_SOURCE_MAP.sub("", text).replace("</script", "<\\/script"))
    return "\n".join(parts)


@lru_cache(maxsize=1)
def licences_text() -> str:
    return (resources.files("lamlife.reports.html") / "vendor" / LICENCES).read_text(
        encoding="utf-8")


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def json_for_script(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (no ``<`` at all)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029",
                                                                            "\\u2029")


def chart(chart_id: str, spec: Mapping[str, Any], caption: str = "") -> str:
    """A figure holding one chart (drawn by the loader) and its spec as JSON."""
    spec_id = f"spec-{chart_id}"
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="chart" id="chart-{esc(chart_id)}">'
        f'<div class="vega" data-chart="{esc(spec_id)}"></div>{cap}'
        f'<script type="application/json" id="{esc(spec_id)}">{json_for_script(spec)}</script>'
        "</figure>"
    )


def section_html(section: Section, row_classes: Sequence[str] = ()) -> str:
    """A report section as an HTML table with its title and notes."""
    parts = ['<section class="block">']
    if section.title:
        parts.append(f"<h2>{esc(section.title)}</h2>")
    if section.columns and section.rows:
        keyvalue = not section.show_header
        parts.append(f'<table class="{"keyvalue" if keyvalue else "grid"}">')
        if section.show_header:
            parts.append("<thead><tr>" + "".join(
                f'<th class="{"num" if c.align == "right" else "text"}">{esc(c.header)}</th>'
                for c in section.columns) + "</tr></thead>")
        parts.append("<tbody>")
        for index, row in enumerate(section.rows):
            cls = f' class="{esc(row_classes[index])}"' if index < len(row_classes) else ""
            parts.append(f"<tr{cls}>" + "".join(
                f'<td class="{"num" if c.align == "right" else "text"}">{esc(cell)}</td>'
                for c, cell in zip(section.columns, row, strict=True)) + "</tr>")
        parts.append("</tbody></table>")
    parts.extend(f'<p class="note">{esc(note)}</p>' for note in section.notes)
    parts.append("</section>")
    return "".join(parts)


def card(label: str, value: str, detail: str = "", bad: bool = False) -> str:
    cls = "card bad" if bad else "card"
    extra = f'<div class="detail">{esc(detail)}</div>' if detail else ""
    return (f'<div class="{cls}"><div class="label">{esc(label)}</div>'
            f'<div class="value">{esc(value)}</div>{extra}</div>')


def document(title: str, meta: Iterable[str], body: Iterable[str], version: str) -> str:
    """The whole page. ``body`` parts are HTML; ``meta`` lines are text under the title."""
    body = list(body)
    has_charts = any("data-chart=" in part for part in body)
    scripts = (
        f"<script>{vendor_scripts()}</script>\n<script>{LOADER}</script>" if has_charts else ""
    )
    meta_html = "".join(f'<p class="meta">{esc(line)}</p>' for line in meta)
    licences = (
        '<details class="licences"><summary>Licences of the chart scripts in this page '
        "(Vega, Vega-Lite, vega-embed and their dependencies)</summary>"
        f"<pre>{esc(licences_text())}</pre></details>" if has_charts else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main><header><h1>{esc(title)}</h1>{meta_html}</header>\n"
        + "\n".join(body)
        + f"\n<footer><p>Written by lamlife {esc(version)}. The page works offline: it loads "
        "nothing from the network.</p>"
        + licences
        + "</footer></main>\n"
        + scripts
        + "\n</body></html>\n"
    )
