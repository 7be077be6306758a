"""A real headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium.

The binary and the driver are named explicitly, so Selenium Manager never downloads anything.
"""

from __future__ import annotations

from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

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
