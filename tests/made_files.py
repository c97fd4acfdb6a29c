"""Real files of the formats that need a library to write: saved news pages, PDFs, CSV exports.

Made by the tests rather than checked in, so that what they hold is in plain sight next to what is asserted.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="{charset}">
<title>Flood barrier opens in Hull - Daily Planet</title>
<meta property="og:title" content="Flood barrier opens in Hull">
<meta property="article:published_time" content="2024-03-05T09:00:00Z">
<link rel="canonical" href="https://planet.example/news/hull-barrier">
<script>window.trackingPixel = "SCRIPT-TEXT-MUST-GO"; loadAds();</script>
<style>.advert {{ display: block; }}</style>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li><li><a href="/nav-must-go">NAVIGATION-MUST-GO</a></li></ul></nav></header>
<div class="advert" id="ad-top">Advertisement: ADVERT-MUST-GO cheap flights to Spain, click here</div>
<main><article>
<h1>Flood barrier opens in Hull</h1>
<p>A new flood barrier costing £42m opened in Hull on Tuesday, protecting {homes} homes from tidal surges
along the Humber estuary.</p>
<p>The Environment Agency said the barrier would close up to 12 times a year. &#8220;This is a great day for the
city,&#8221; said the mayor, Sam Patel, who cut the ribbon at the ceremony.</p>
<p>Work on the barrier began in 2021 and was finished six months early, according to the agency.</p>
</article></main>
<aside class="most-read"><h2>Most read</h2><ol><li>ASIDE-MUST-GO cat stuck in tree</li></ol></aside>
<footer><p>FOOTER-MUST-GO &copy; Daily Planet 2024. Cookie policy. Terms.</p></footer>
<script>trackPageView("SCRIPT-TEXT-MUST-GO");</script>
</body></html>
"""


def page(charset: str = "utf-8", homes: str = "20,000") -> str:
    return PAGE.format(charset=charset, homes=homes)


LONG_SENTENCE = (
    "The harbour authority in Tarrowmouth said on Thursday that the new ferry terminal, which cost 18 million "
    "pounds and took three years to build, would open to passengers at the start of the summer timetable."
)


def write_pdf(path: Path, pages: list[str], title: str | None = None, encrypt: bool = False) -> None:
    """A real PDF, laid out by fpdf2 (lines wrapped at the page width, as a newspaper's PDF is)."""
    pdf = FPDF()
    if title is not None:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, text)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # a page with a picture and no text, as a scan is
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="reader")
    pdf.output(str(path))


CSV = (
    "Title , TEXT,date,url,section\r\n"
    '"Rates cut, again","The central bank cut rates to 3%.\r\n\r\nThe governor said ""enough"" was enough.",'
    "2024-05-01,https://news.example/rates,business\r\n"
    "\r\n"
    "Quiet row,Short text without quotes.,,,\r\n"
    '"No text here","",2024-05-02,,\r\n'
    "Short row,Only two cells.\r\n"
)
