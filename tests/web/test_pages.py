"""The account and admin pages, the Russian interface and a phone's screen."""

from __future__ import annotations

import re
import struct
import zlib

import httpx
from playwright.sync_api import Dialog, Page, ViewportSize, expect

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
from tests.web.test_journeys import analyze, log_in

PHONE: ViewportSize = {"width": 390, "height": 844}


def png(width: int = 16, height: int = 16) -> bytes:
    """A small valid PNG: a teal square."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x20\xa0\x90" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def accept_dialogs(page: Page) -> None:
    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.on("dialog", accept)


def api_login(site: Site, email: str, password: str) -> int:
    body = {"email": email, "password": password}
    return httpx.post(site.url("/api/v1/auth/login"), json=body, timeout=30).status_code


def test_the_account_page_in_russian_changes_everything_then_deletes_the_account(
    person: OpenBrowser, site: Site
) -> None:
    email = unique_email("olga")
    register(site, email, first_name="Olga")
    olga = person("account-ru")
    page = olga.page
    accept_dialogs(page)
    olga.open("/")
    log_in(olga, email)

    page.get_by_role("button", name="RU").click()
    expect(page.get_by_role("heading", name="Анализ текста")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Анализ текста")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.get_by_role("link", name="Профиль").click()
    profile = page.locator("section", has=page.get_by_role("heading", name="Личные данные"))
    profile.get_by_label("Имя").fill("Ольга")
    profile.get_by_label("Фамилия").fill("Смирнова")
    profile.get_by_role("button", name="Сохранить").click()
    expect(profile.get_by_role("status")).to_have_text("Сохранено.")

    avatar = page.locator("section", has=page.get_by_role("heading", name="Аватар"))
    avatar.get_by_label(re.compile("Изображение")).set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": png()}
    )
    avatar.get_by_role("button", name="Загрузить аватар").click()
    picture = avatar.get_by_role("img", name="Аватар")
    expect(picture).to_be_visible()
    olga.wait_until("document.querySelector('img.avatar')?.naturalWidth === 16")
    olga.shoot("account")
    avatar.get_by_role("button", name="Удалить аватар").click()
    expect(avatar.get_by_text("Аватара пока нет.")).to_be_visible()

    password = page.locator("section", has=page.get_by_role("heading", name="Смена пароля"))
    password.get_by_label("Текущий пароль").fill("not my password")
    password.get_by_label("Новый пароль").fill("a brand new passphrase")
    password.get_by_role("button", name="Сохранить").click()
    expect(password.get_by_role("alert")).not_to_be_empty()
    olga.shoot("password-refused")
    password.get_by_label("Текущий пароль").fill(PASSWORD)
    password.get_by_role("button", name="Сохранить").click()
    expect(password.get_by_role("status")).to_contain_text("Пароль изменён")
    assert api_login(site, email, "a brand new passphrase") == 200

    removal = page.locator("section.danger-zone")
    removal.get_by_label("Пароль").fill("a brand new passphrase")
    removal.get_by_role("button", name="Удалить учётную запись").click()
    expect(page).to_have_url(re.compile("/login"))
    expect(page.get_by_role("status")).to_have_text("Ваша учётная запись удалена.")
    olga.shoot("deleted")
    assert api_login(site, email, "a brand new passphrase") == 401


def test_the_admin_creates_finds_pages_edits_and_deletes_users(
    person: OpenBrowser, site: Site
) -> None:
    tag = unique_email("team").split("@")[0]
    for number in range(11):
        register(site, f"{tag}-{number:02d}@example.com", first_name=f"Member {number}")
    admin = person("admin-pages")
    page = admin.page
    accept_dialogs(page)
    admin.open("/admin")
    log_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="Users")).to_be_visible()

    page.get_by_label("Email or name").fill(tag)
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.users tbody tr")
    expect(rows).to_have_count(10)
    expect(page.get_by_text("Page 1 of 2 · 11 in all")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(rows).to_have_count(1)
    admin.shoot("users-page-2")

    created = f"{tag}-new@example.com"
    form = page.locator("section", has=page.get_by_role("heading", name="New user"))
    form.get_by_label("Email").fill(created)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_label("First name").fill("Nina")
    form.get_by_role("button", name="Create user").click()
    expect(form.get_by_role("status")).to_contain_text(created)

    page.get_by_label("Email or name").fill(created)
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name=f"Edit {created}").click()
    editor = page.locator(".editor")
    editor.get_by_label("Role").select_option("admin")
    editor.get_by_label("New password").fill("another good passphrase")
    editor.get_by_role("button", name="Save").click()
    expect(rows.first.locator("td").nth(3)).to_have_text("admin")
    assert api_login(site, created, "another good passphrase") == 200

    page.get_by_role("button", name=f"Delete {created}").click()
    expect(page.get_by_role("status").filter(has_text="deleted")).to_be_visible()
    expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    admin.shoot("user-deleted")


def test_a_deleted_text_leaves_the_history(person: OpenBrowser, site: Site) -> None:
    email = unique_email("tidy")
    register(site, email)
    tidy = person("history-delete")
    accept_dialogs(tidy.page)
    tidy.open("/")
    log_in(tidy, email)
    analyze(tidy.page, "Keep this one, it is fine.")
    expect(tidy.page.locator(".result")).to_be_visible()
    analyze(tidy.page, "Throw this one away, it is awful.")
    expect(tidy.page.locator(".result")).to_contain_text("Throw this one away")

    tidy.open("/history")
    rows = tidy.page.locator("table.history-texts tbody tr")
    expect(rows).to_have_count(2)
    tidy.page.get_by_role("button", name=re.compile("Delete: Throw this one")).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Keep this one")


def fits_the_screen(person: Person) -> bool:
    """Nothing scrolls sideways, and no control sticks out of its card."""
    fits: bool = person.page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth &&
        [...document.querySelectorAll("input, select, textarea, button")].every((control) => {
            const card = control.closest(".card");
            return !card || control.getBoundingClientRect().right
                <= card.getBoundingClientRect().right + 0.5;
        })"""
    )
    return fits


def test_every_page_fits_a_phone_screen(person: OpenBrowser, site: Site) -> None:
    email = unique_email("phone")
    register(site, email)
    phone = person("phone", viewport=PHONE)
    phone.open("/")
    assert fits_the_screen(phone)
    phone.shoot("login")
    log_in(phone, email)

    analyze(phone.page, "Очень удобное приложение, спасибо разработчикам!")
    expect(phone.page.locator(".result .highlighted")).to_be_visible()
    for path, name in [("/", "analyze"), ("/files", "files"), ("/history", "history")]:
        if path != "/":
            phone.open(path)
            expect(phone.page.locator("main h1, main h2").first).to_be_visible()
        assert fits_the_screen(phone), f"{path} scrolls sideways on a phone"
        phone.shoot(name)

    # A history row is a card as wide as the screen, not a squeezed column.
    text_cell = phone.page.locator("table.history-texts td.text-cell").first.bounding_box()
    assert text_cell is not None and text_cell["width"] > PHONE["width"] * 0.7, text_cell

    phone.open("/account")
    expect(phone.page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    assert fits_the_screen(phone)
    phone.shoot("account")


def test_a_refused_upload_and_a_failed_job_say_why(person: OpenBrowser, site: Site) -> None:
    email = unique_email("files")
    register(site, email)
    uploader = person("file-errors")
    page = uploader.page
    uploader.open("/files")
    log_in(uploader, email)
    expect(page.get_by_role("heading", name="Analyze a file")).to_be_visible()

    picker = page.get_by_label("File (.csv or .xlsx)")
    picker.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"})
    page.get_by_role("button", name="Upload and analyze").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile("csv|xlsx", re.IGNORECASE))
    uploader.shoot("refused")

    picker.set_input_files(
        {"name": "stars.csv", "mimeType": "text/csv", "buffer": b"text,stars\ngood,5\n"}
    )
    page.get_by_label("Column with the texts (optional)").fill("review")
    page.get_by_role("button", name="Upload and analyze").click()
    expect(page.locator("[data-status=failed]")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("alert")).to_contain_text("review")
    uploader.shoot("failed")


def test_logging_in_needs_only_the_keyboard(person: OpenBrowser, site: Site) -> None:
    email = unique_email("keys")
    register(site, email)
    typist = person("keyboard")
    page = typist.page
    typist.open("/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "email":
            break
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Analyze a text")).to_be_visible()
    page.get_by_label("Text in Russian or English").focus()
    page.keyboard.type("Keyboards are great.")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".result")).to_contain_text("Keyboards are great.")
