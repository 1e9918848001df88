"""What a person does on the site, in Chromium, through nginx."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import httpx
from playwright.sync_api import Page, expect

from tests.web.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    OpenBrowser,
    Person,
    Site,
    register,
    unique_email,
)

RUSSIAN_TEXT = "Ужасное обслуживание, грубый персонал, больше никогда сюда не приду."
ENGLISH_TEXT = "The film was wonderful and the actors were great, but the ending was boring."

# Sent with every upload row but never analysed: it makes the file big
# enough for the transfer to be seen in progress.
FILLER = "x" * 6000
REVIEWS = [
    "Отличный телефон, пользуюсь год и доволен",
    "The delivery was late and the box was broken",
    "Нормально, ничего особенного",
    "Absolutely loved it, would buy again",
    "Сломался через неделю, деньги на ветер",
    "It is a chair. It has four legs.",
] * 5


def reviews_csv() -> bytes:
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["id", "review", "notes"])
    for number, review in enumerate(REVIEWS, start=1):
        writer.writerow([number, review, FILLER])
    return rows.getvalue().encode()


def log_in(person: Person, email: str, password: str = PASSWORD) -> None:
    page = person.page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password", exact=True).press("Enter")


def analyze(page: Page, text: str, *, keyboard: bool = False) -> None:
    box = page.get_by_label("Text in Russian or English")
    box.fill(text)
    if keyboard:
        box.press("Control+Enter")
    else:
        page.get_by_role("button", name="Analyze").click()


def expect_prediction(page: Page, text: str, language: str) -> None:
    result = page.locator(".result")
    expect(result.locator(".highlighted")).to_have_text(text)
    expect(result).to_contain_text(f"Language: {language}")
    expect(result.get_by_test_id("label")).to_have_text(re.compile("negative|neutral|positive"))

    meters = result.get_by_role("meter")
    expect(meters).to_have_count(3)
    shares = [int(meters.nth(i).get_attribute("aria-valuenow") or 0) for i in range(3)]
    assert 98 <= sum(shares) <= 102, shares
    assert result.locator("mark").count() >= 1, "no word of the text is highlighted"


def watch_upload_progress(page: Page) -> None:
    """Record every value the upload's progress bar shows, in window.__sent."""
    page.evaluate(
        """() => {
        window.__sent = [];
        new MutationObserver(() => {
            const bar = document.querySelector('[role=progressbar][aria-label=Upload]');
            if (bar) window.__sent.push([+bar.getAttribute('aria-valuenow'),
                                         +bar.getAttribute('aria-valuemax')]);
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
    }"""
    )


def slow_uploads(person: Person, bytes_per_second: int) -> None:
    """Throttle the page's uploads (DevTools protocol) so progress has steps."""
    session = person.context.new_cdp_session(person.page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def test_a_newcomer_signs_up_analyzes_texts_and_a_file_finds_them_and_logs_out(
    person: OpenBrowser, site: Site
) -> None:
    email = unique_email("newcomer")
    anna = person("newcomer")
    page = anna.page

    anna.open("/")
    expect(page).to_have_url(re.compile("/login"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    anna.shoot("login")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("First name").fill("Anna")
    page.get_by_label("Last name (optional)").fill("Petrova")
    anna.shoot("sign-up")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("status")).to_contain_text("Account created")
    expect(page.get_by_label("Email")).to_have_value(email)
    log_in(anna, email)
    expect(page.get_by_role("heading", name="Analyze a text")).to_be_visible()

    analyze(page, RUSSIAN_TEXT)
    expect_prediction(page, RUSSIAN_TEXT, "Russian")
    anna.shoot("analyze-russian")
    analyze(page, ENGLISH_TEXT, keyboard=True)
    expect_prediction(page, ENGLISH_TEXT, "English")
    page.get_by_label("Text in Russian or English").blur()
    anna.shoot("analyze")

    page.get_by_role("link", name="Files").click()
    slow_uploads(anna, 150_000)
    watch_upload_progress(page)
    page.get_by_label("File (.csv or .xlsx)").set_input_files(
        {"name": "reviews.csv", "mimeType": "text/csv", "buffer": reviews_csv()}
    )
    suggested = page.locator("datalist option")
    expect(suggested).to_have_count(3)
    assert [suggested.nth(i).get_attribute("value") for i in range(3)] == ["id", "review", "notes"]
    page.get_by_label("Column with the texts (optional)").fill("review")
    anna.shoot("files")
    page.get_by_role("button", name="Upload and analyze").click()

    expect(page).to_have_url(re.compile(r"/files\?job="), timeout=60_000)
    sent: list[list[int]] = page.evaluate("window.__sent")
    assert any(0 < done < total for done, total in sent), f"no partial progress in {sent}"
    expect(page.locator("[data-status=done]")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("progressbar", name="Processing")).to_have_attribute(
        "aria-valuenow", str(len(REVIEWS))
    )
    chart = page.get_by_role("img", name=re.compile("negative: \\d+"))
    expect(chart).to_be_visible()
    anna.shoot("file-done")

    page.get_by_role("button", name="Download CSV").click()
    (result_csv,) = anna.downloaded_texts(1)
    rows = list(csv.DictReader(io.StringIO(result_csv.lstrip("\ufeff"))))
    assert len(rows) == len(REVIEWS)
    assert {"id", "review", "label", "negative", "neutral", "positive"} <= set(rows[0])
    assert rows[0]["review"] == REVIEWS[0]
    assert {row["label"] for row in rows} <= {"negative", "neutral", "positive"}

    job_id = page.url.rsplit("=", 1)[1]
    xlsx = anna.fetch(f"/api/v1/jobs/{job_id}/result?format=xlsx")
    assert xlsx["status"] == 200
    assert xlsx["bytes"][:2] == b"PK", "an XLSX file is a zip archive"

    page.get_by_role("link", name="History").click()
    texts = page.locator("table.history-texts")
    expect(texts).to_contain_text(RUSSIAN_TEXT)
    expect(texts).to_contain_text(ENGLISH_TEXT)
    anna.shoot("history-texts")

    page.get_by_label("Words in the text").fill("грубый")
    page.get_by_role("button", name="Search").click()
    expect(texts.locator("tbody tr")).to_have_count(1)
    expect(texts).to_contain_text(RUSSIAN_TEXT)

    today = datetime.now(UTC).date().isoformat()
    page.get_by_role("button", name="Reset").click()
    page.get_by_label("From", exact=True).fill(today)
    page.get_by_label("To", exact=True).fill(today)
    page.get_by_role("button", name="Search").click()
    expect(texts.locator("tbody tr")).to_have_count(2)
    page.get_by_label("From", exact=True).fill("2020-01-01")
    page.get_by_label("To", exact=True).fill("2020-01-31")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Nothing here yet.")).to_be_visible()

    page.get_by_role("tab", name="Files").click()
    files = page.locator("table.history-files")
    expect(files).to_contain_text("reviews.csv")
    expect(files).to_contain_text("done")
    anna.shoot("history-files")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    anna.open("/history")
    expect(page).to_have_url(re.compile("/login"))
    anna.shoot("logged-out")


def test_the_admin_deactivates_a_user_whose_open_page_then_goes_to_login(
    person: OpenBrowser, site: Site
) -> None:
    email = unique_email("boris")
    register(site, email, first_name="Boris")
    boris = person("deactivated")
    boris.open("/")
    log_in(boris, email)
    expect(boris.page.get_by_role("heading", name="Analyze a text")).to_be_visible()

    admin = person("admin")
    admin.open("/")
    log_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.page.get_by_role("link", name="Users").click()
    admin.page.get_by_label("Email or name").fill(email)
    admin.page.get_by_role("button", name="Search").click()
    row = admin.page.locator(f'tr[data-email="{email}"]')
    expect(admin.page.locator("table.users tbody tr")).to_have_count(1)
    admin.shoot("users-found")

    row.get_by_role("button", name=f"Edit {email}").click()
    admin.page.locator(".editor").get_by_label("Active").uncheck()
    admin.shoot("user-edit")
    admin.page.get_by_role("button", name="Save").click()
    expect(row.locator("td").nth(4)).to_have_text("no")
    admin.shoot("user-deactivated")

    analyze(boris.page, "Is anyone still there?")
    expect(boris.page).to_have_url(re.compile("/login"))
    expect(boris.page.get_by_role("status")).to_contain_text("session has ended")
    boris.shoot("sent-to-login")

    log_in(boris, email)
    expect(boris.page.get_by_role("alert")).to_be_visible()
    expect(boris.page).to_have_url(re.compile("/login"))
    boris.shoot("login-refused")


def test_an_api_error_shows_its_detail(person: OpenBrowser, site: Site) -> None:
    email = unique_email("taken")
    register(site, email)
    visitor = person("errors")

    visitor.open("/register")
    page = visitor.page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("First name").fill("Again")
    page.get_by_role("button", name="Create account").click()

    detail = _api_detail(site, "/api/v1/auth/register", email)
    expect(page.get_by_role("alert")).to_have_text(detail)
    visitor.shoot("register-taken")


def _api_detail(site: Site, path: str, email: str) -> str:
    body = {"email": email, "password": PASSWORD, "first_name": "Again"}
    response = httpx.post(site.url(path), json=body, timeout=30)
    assert response.status_code == 409
    detail: str = response.json()["detail"]
    return detail
