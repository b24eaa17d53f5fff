"""Body, title, date and author rules of ``crawlers.extraction`` on small pages built like real ones.

The real pages themselves are scored in ``test_real_pages.py``; these pin each rule on its own so a
failure names the rule that broke.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from crawlers import extraction
from crawlers.fields import dates

PARAGRAPHS = [
    "Глава государства провел переговоры с председателем КНР в Пекине, сообщает пресс-служба.",
    "Стороны обсудили торговлю, транзит грузов через Хоргос и строительство новых железных дорог.",
    "По итогам встречи подписаны соглашения о сотрудничестве в сфере энергетики и сельского хозяйства.",
]
LEAD = "Казахстан и Китай договорились увеличить товарооборот до 40 миллиардов долларов."
ITEMS = ["соглашение о безвизовом режиме", "меморандум о зеленой энергетике", "план по транзиту"]
FOOTER = ["© 2025 Издание. Все права защищены.", "При копировании материалов ссылка на сайт обязательна.",
          "Мы используем файлы cookie, чтобы сайт работал лучше. Продолжая, вы соглашаетесь с этим."]


def page(*, head: str = "", article: str | None = None, h1: str = "Токаев встретился с Си Цзиньпином",
         before_h1: str = "", after_h1: str = "") -> str:
    if article is None:
        article = (f'<div class="lead">{LEAD}</div>' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2])
                   + "<ul>" + "".join(f"<li>{i}</li>" for i in ITEMS) + "</ul>" + f"<p>{PARAGRAPHS[2]}</p>")
    footer = "".join(f"<p>{p}</p>" for p in FOOTER * 3)
    return (f"<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'>{head}</head><body>"
            "<nav><a href='/'>Главная</a> <a href='/politics'>Политика</a></nav>"
            f"<main>{before_h1}<h1>{h1}</h1>{after_h1}<article>{article}</article></main>"
            f"<footer>{footer}</footer></body></html>")


def ld(**fields: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(fields, ensure_ascii=False)}</script>'


# -------------------------------------------------------------------------------------------- body
def test_body_comes_from_trafilatura_with_the_lead_and_list_items(caplog) -> None:
    """The bug of issue 10: trafilatura was handed a tree type it rejects, so every body came from
    the densest-<p> fallback, which drops the lead and the list items."""
    caplog.set_level(logging.WARNING)
    got = extraction.extract(page().encode(), "https://example.kz/news/1")
    assert got.text_method == "trafilatura"
    assert LEAD in got.text and all(item in got.text for item in ITEMS)
    assert got.text.rstrip().endswith(PARAGRAPHS[2])
    assert not any("discarding data" in r.getMessage() for r in caplog.records)


def test_body_never_falls_back_to_the_footer_or_the_cookie_notice(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="crawlers.fields.body")
    got = extraction.extract(page(article="<p>Коротко.</p>").encode(), "https://example.kz/news/2")
    assert "cookie" not in got.text and "Все права защищены" not in got.text
    assert got.text_method in ("trafilatura", None)


def test_article_swallowed_by_an_unclosed_banner_is_still_body() -> None:
    """inosmi.ru: an unclosed <aside class="banner"> makes the parser nest the rest of the article
    in it, and trafilatura drops banners."""
    rest = [f"Абзац {i} продолжения статьи о переговорах Казахстана и Китая по транзиту." for i in range(12)]
    article = ("".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "<aside class='banner'><div class='player'>"
               + "".join(f"<p>{p}</p>" for p in rest))
    got = extraction.extract(page(article=article).encode(), "https://inosmi.ru/a")
    assert all(p in got.text for p in PARAGRAPHS + rest)


def test_json_ld_article_body_is_the_fallback_when_trafilatura_finds_far_less(caplog) -> None:
    """A paywalled page: only the lead paragraphs are in the markup, the full text in JSON-LD."""
    caplog.set_level(logging.WARNING, logger="crawlers.fields.body")
    body = "\n".join(PARAGRAPHS * 4)
    head = ld(**{"@type": "NewsArticle", "headline": "Заголовок", "articleBody": body})
    teaser = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = page(head=head, article=f"{teaser}<div class='paywall'>Подпишитесь, чтобы читать дальше</div>")
    got = extraction.extract(html.encode(), "https://example.kz/news/3")
    assert got.text_method == "json-ld" and got.text == body
    assert any("https://example.kz/news/3" in r.getMessage() and "json-ld" in r.getMessage()
               for r in caplog.records)


# ------------------------------------------------------------------------------------------- title
def test_title_is_unescaped_and_whitespace_normalized() -> None:
    head = ld(**{"@type": "NewsArticle", "headline": "Суд рассмотрит дело &amp;quot;минера&amp;quot;\n  в Астане"})
    got = extraction.extract(page(head=head, h1="").encode(), "https://example.kz/news/4")
    assert (got.title, got.title_method) == ('Суд рассмотрит дело "минера" в Астане', "json-ld")


@pytest.mark.parametrize("suffix", [" — Коммерсантъ", " | Коммерсантъ", " - Коммерсантъ"])
def test_trailing_site_name_is_cut_from_the_title(suffix: str) -> None:
    head = f'<meta property="og:title" content="Токаев встретился с Си Цзиньпином{suffix}">' \
           '<meta property="og:site_name" content="Коммерсантъ">'
    got = extraction.extract(page(head=head).encode(), "https://example.ru/doc/1")
    assert got.title == "Токаев встретился с Си Цзиньпином"


def test_headline_the_page_prints_wins_over_a_different_json_ld_seo_headline() -> None:
    head = (ld(**{"@type": "NewsArticle", "headline": "Выиграют ли адвокаты суд после признания подписей"})
            + '<meta property="og:title" content="Токаев встретился с Си Цзиньпином">')
    got = extraction.extract(page(head=head).encode(), "https://example.ru/a")
    assert (got.title, got.title_method) == ("Токаев встретился с Си Цзиньпином", "opengraph")


def test_headline_shared_by_h1_and_title_tag_wins_over_a_social_media_og_title() -> None:
    head = ("<title>Февральское обновление Windows 10 вызывает сбои - Газета.Ru</title>"
            '<meta property="og:title" content="&laquo;Не могут найти причину&raquo;: патч вызвал синий экран">')
    got = extraction.extract(page(head=head, h1="Февральское обновление Windows 10 вызывает сбои").encode(),
                             "https://www.gazeta.ru/a")
    assert (got.title, got.title_method) == ("Февральское обновление Windows 10 вызывает сбои", "h1")


def test_og_title_printed_above_a_subheading_h1_wins() -> None:
    """kommersant.ru: the headline is an <h2>, the <h1> its subheading."""
    head = '<meta property="og:title" content="Акционеры уронили сервер">'
    got = extraction.extract(page(head=head, before_h1="<h2>Акционеры уронили сервер</h2>",
                                  h1="Конфликт вокруг Masterhost привел к сбоям").encode(), "https://www.kommersant.ru/a")
    assert (got.title, got.title_method) == ("Акционеры уронили сервер", "opengraph")


def test_h1_wins_over_an_og_title_printed_nowhere() -> None:
    head = ("<title>Соцсети сотрясают фейковые данные</title>"
            '<meta property="og:title" content="Соцсети сотрясают фейковые данные">')
    got = extraction.extract(page(head=head, h1="«Усиление паники»: соцсети наводняют фейки").encode(),
                             "https://www.woman.ru/a")
    assert (got.title, got.title_method) == ("«Усиление паники»: соцсети наводняют фейки", "h1")


# -------------------------------------------------------------------------------------------- body
def test_lead_styled_apart_is_kept_as_the_first_paragraph() -> None:
    lead = "Адвокаты считают, что шансы отстоять серебряную медаль сборной повысились"
    head = f'<meta name="description" content="{lead}">'
    article = f'<div class="vrez">{lead}</div>' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    got = extraction.extract(page(head=head, article=article).encode(), "https://example.ru/a")
    assert got.text.split("\n")[0] == lead and got.text.count(lead) == 1


def test_read_also_cards_between_paragraphs_are_not_body() -> None:
    card = ('<div class="article__article"><span class="date">28 февраля, 11:23</span>'
            '<a href="https://example.ru/20200228/1565314209.html">В ЦИК рассказали о процедуре голосования</a></div>')
    article = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2]) + card + f"<p>{PARAGRAPHS[2]}</p>"
    got = extraction.extract(page(article=article).encode(), "https://example.ru/20200303/1.html")
    assert "ЦИК" not in got.text and "11:23" not in got.text
    assert got.text.split("\n") == PARAGRAPHS


def test_standfirst_in_the_headline_header_is_not_restored_as_a_lead() -> None:
    """kp.ru prints its description under the <h1>, in the <header>: a standfirst, not body."""
    import lxml.html

    from crawlers.fields import body

    standfirst = "Российские организации рассматривают возможность подачи коллективного иска"
    html = (f"<html><body><article><header><h1>Каждому владельцу выплатят компенсацию</h1>"
            f"<div class='ArticleDescription'>{standfirst}</div></header>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>")
    tree = lxml.html.fromstring(html)
    assert body.lead_missing_from("\n".join(PARAGRAPHS), tree, standfirst) is None
    moved = html.replace("</header>", "").replace("<div class='ArticleDescription'>", "</header><div>")
    assert body.lead_missing_from("\n".join(PARAGRAPHS), lxml.html.fromstring(moved), standfirst) == standfirst


def test_photo_credits_and_captions_are_not_body() -> None:
    article = ("<p>" + PARAGRAPHS[0] + "</p><figure><img src='/a.jpg'><figcaption>Участники праздника в "
               "Царицынском парке</figcaption></figure><div class='image_caption'>© Фото: ИД «Волгоградская "
               "правда» / Марина Шабанова</div><p>" + PARAGRAPHS[1] + "</p><p>" + PARAGRAPHS[2] + "</p>")
    got = extraction.extract(page(article=article).encode(), "https://example.ru/a")
    assert got.text.split("\n") == PARAGRAPHS


def test_rubric_and_headline_kept_by_trafilatura_are_not_body() -> None:
    from crawlers.extraction import _drop_leading_title

    text = "Экономика\nПравительство избавит бизнес от налогов\n" + "\n".join(PARAGRAPHS)
    assert _drop_leading_title(text, "Правительство избавит бизнес от налогов") == "\n".join(PARAGRAPHS)
    sentence = "Это длинное предложение, а не рубрика.\nПравительство избавит бизнес от налогов\nТекст"
    assert _drop_leading_title(sentence, "Правительство избавит бизнес от налогов") == sentence


def test_view_counter_line_is_not_body() -> None:
    article = "<div class='info'>два дня назад в 13:07, просмотров: 622</div>" + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS)
    got = extraction.extract(page(article=article).encode(), "https://example.ru/a")
    assert got.text.split("\n") == PARAGRAPHS


# -------------------------------------------------------------------------------------------- date
def test_russian_date_written_by_the_headline_is_found_in_the_outlets_timezone() -> None:
    got = extraction.extract(page(after_h1="<div class='date'>15 августа 2016, 13:43</div>").encode(),
                             "https://example.kz/news/5", timezone="Asia/Almaty")
    assert (got.published_at, got.published_at_method) == ("2016-08-15T13:43:00+06:00", "text")


def test_kazakh_date_written_by_the_headline_is_found() -> None:
    got = extraction.extract(page(before_h1="<span>29 тамыз 2025</span>").encode(), "https://example.kz/kk/1")
    assert (got.published_at, got.published_at_method) == ("2025-08-29", "text")


def test_date_nearest_the_headline_wins_over_a_related_story_date() -> None:
    related = "<div>Читайте также: 1 января 2020 старая новость</div>" + "<p>.</p>" * 5
    got = extraction.extract(page(before_h1=related, after_h1="<time>3 сентября 2025 года в 10:15</time>")
                             .encode(), "https://example.kz/news/6")
    assert got.published_at == "2025-09-03T10:15:00"


def test_microdata_date_on_a_span_is_read() -> None:
    got = extraction.extract(page(after_h1='<span itemprop="datePublished" content="2020-03-03T18:16:36+03:00">'
                                           "03 мар, 18:16</span>").encode(), "https://www.rbc.ru/a")
    assert (got.published_at, got.published_at_method) == ("2020-03-03T18:16:36+03:00", "microdata")


def test_a_future_date_is_never_taken() -> None:
    head = '<meta property="article:published_time" content="2031-01-01T00:00:00+00:00">'
    got = extraction.extract(page(head=head, after_h1="<p>2 сентября 2025</p>").encode(),
                             "https://example.kz/news/7", now=datetime(2026, 1, 1, tzinfo=UTC))
    assert (got.published_at, got.published_at_method) == ("2025-09-02", "text")


def test_text_dates_parse_russian_and_kazakh_forms() -> None:
    assert dates.from_text("опубликовано 15 августа 2016, 13:43") == datetime(2016, 8, 15, 13, 43)
    assert dates.from_text("2025 жылғы 29 тамызда") .isoformat() == "2025-08-29"
    assert dates.from_text("13:43, 1 мая 2024").isoformat() == "2024-05-01T13:43:00"
    assert dates.from_text("30.08.2025 12:05").isoformat() == "2025-08-30T12:05:00"
    assert dates.from_text("03 мар. 2020, 18:16").isoformat() == "2020-03-03T18:16:00"
    assert dates.from_text("31 февраля 2024") is None


# ----------------------------------------------------------------------------------------- authors
@pytest.mark.parametrize("author", [
    "Айгерим Сапарова",
    {"@type": "Person", "name": "Айгерим Сапарова"},
    [{"@type": "Person", "name": "Айгерим Сапарова"}],
])
def test_json_ld_author_in_every_shape(author: object) -> None:
    head = ld(**{"@type": "NewsArticle", "headline": "Заголовок статьи", "author": author})
    assert extraction.extract(page(head=head).encode(), "https://example.kz/a").authors == ["Айгерим Сапарова"]


def test_json_ld_graph_author_reference_is_resolved() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "NewsArticle", "headline": "Заголовок статьи", "author": [{"@id": "#p1"}, {"@id": "#p2"}]},
        {"@type": "Person", "@id": "#p1", "name": "Ерлан Жумабаев"},
        {"@type": "Person", "@id": "#p2", "name": "Ольга Ким"},
    ]}
    head = f'<script type="application/ld+json">{json.dumps(graph, ensure_ascii=False)}</script>'
    got = extraction.extract(page(head=head).encode(), "https://example.kz/a")
    assert got.authors == ["Ерлан Жумабаев", "Ольга Ким"]


def test_photo_credit_and_the_outlets_own_name_are_no_authors() -> None:
    head = (ld(**{"@type": "NewsArticle", "headline": "Заголовок статьи",
                  "author": [{"@type": "Organization", "name": "Коммерсантъ"},
                             {"@type": "Person", "name": "Фото из Инстаграма Алии"}],
                  "publisher": {"@type": "Organization", "name": "Коммерсантъ"}}))
    got = extraction.extract(page(head=head).encode(), "https://www.kommersant.ru/doc/1")
    assert got.authors == []


def test_byline_next_to_the_headline_wins_over_other_articles_teasers() -> None:
    """As on mk.ru: teasers with their authors' names come first in the page, and the article's
    microdata author is the outlet (an Organization)."""
    names = ["Юлия Гречухина", "Дмитрий Истров", "Павел Быстров"]
    teasers = "<ul>" + "".join(f"<li><a href='/n/{i}'>Другая новость дня под номером {i}</a>"
                               f"<span class='preview__author'>{n}</span></li>" for i, n in enumerate(names)) + "</ul>"
    article = ("<div class='article'><h1>Волгоградцы с размахом отмечают Масленицу</h1>"
               "<div itemprop='author' itemscope itemtype='https://schema.org/Organization'>"
               "<meta itemprop='name' content='Московский Комсомолец'></div>"
               + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
               + "<div class='article_info'><span class='author'>Марина Шабанова, Ирина Бахолдина</span></div></div>")
    html = f"<html><body><div class='main'><div class='left'>{teasers}</div>{article}</div></body></html>"
    got = extraction.extract(html.encode(), "https://www.mk.ru/a")
    assert (got.authors, got.authors_method) == (["Марина Шабанова", "Ирина Бахолдина"], "byline")


def test_byline_on_the_page_when_metadata_names_nobody() -> None:
    got = extraction.extract(page(after_h1="<div class='author'>Текст: Денис Тельманов</div>").encode(),
                             "https://example.ru/a")
    assert (got.authors, got.authors_method) == (["Денис Тельманов"], "byline")


# --------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("body", "code"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("Сервис временно недоступен, попробуйте позже. ".encode() * 20, "not_html"),
    (b'{"error": "rate limited", "retry_after": 30}', "not_html"),
])
def test_what_is_not_an_html_page_is_refused_with_its_reason(body: bytes, code: str) -> None:
    with pytest.raises(extraction.NotHtmlError) as refused:
        extraction.extract(body, "https://example.kz/a", content_type="text/html")
    assert refused.value.code == code


@pytest.mark.parametrize("body", [
    b"",
    b"<html><body>" + b"<div>" * 100_000 + "<p>Текст.</p>".encode() + b"</div>" * 100_000 + b"</body></html>",
    b"<html><head><title>x</title></head><body><nav><a href='/'>Main</a></nav></body></html>",
], ids=["empty", "nested-100k", "navigation-only"])
def test_page_without_article_text_gives_no_body_and_no_crash(body: bytes) -> None:
    from crawlers.spiders.news import MIN_BODY_CHARS

    got = extraction.extract(body, "https://example.kz/a")
    assert len(got.text) < MIN_BODY_CHARS  # the spider quarantines it as no_body
