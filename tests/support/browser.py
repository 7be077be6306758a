"""A real headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium.

The binary and the driver are named explicitly, so Selenium Manager never downloads anything.
"""

from __future__ import annotations

from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def headless_chromium(width: int = 420, height: int = 1400) -> webdriver.Chrome:
    """A phone-width window: the page must read well there."""
    for needed in (CHROMIUM, CHROMEDRIVER):
        assert needed.exists(), f"{needed} is missing: run scripts/test.sh, which installs chromium"
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    return driver


def wait_for_heading(driver: webdriver.Chrome, text: str, seconds: float = 10) -> None:
    """After a form is submitted: the next page's h1 reads `text`.

    A click returns before the browser navigates, so the old page's h1 may still be found (and
    go stale while it is read): wait for the new one instead of reading at once. Chromium reports
    that race as a stale element or, mid-navigation, as "Node with given id does not belong to the
    document" (a bare `WebDriverException`): both mean look again; a page that never comes is the
    wait's timeout.
    """
    WebDriverWait(
        driver, seconds, ignored_exceptions=(StaleElementReferenceException, WebDriverException)
    ).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == text)
