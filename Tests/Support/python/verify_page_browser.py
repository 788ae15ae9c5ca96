"""Drives trustd's public verification page (/verify) in headless Chromium through chromedriver (Selenium), as a
citizen would: uploads a sealed OFD and a tampered copy and reads the verdicts off the page, looks a seal up by its
filing number with the keyboard, and checks the accessibility basics (labels, keyboard order, contrast, a phone-sized
screen). Prints one JSON object; screenshots go to the artifacts folder.

usage: verify_page_browser.py BASE_URL VALID.ofd TAMPERED.ofd FILING_NUMBER ARTIFACTS_DIR
"""
import json
import os
import re
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, valid, tampered, filing, artifacts = sys.argv[1:6]
os.makedirs(artifacts, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,1400",
                 "--lang=zh-CN"):
    options.add_argument(argument)
# A browser set to Chinese (headless Chromium ignores --lang for Accept-Language; the preference sets it).
options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(60)
result = {}


def luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def rgb(css):
    return tuple(int(x) for x in re.findall(r"\d+", css)[:3])


def contrast(element):
    fg = rgb(element.value_of_css_property("color"))
    node = element
    bg = None
    while node is not None:
        value = node.value_of_css_property("background-color")
        if value and not value.endswith(", 0)") and value != "transparent":
            bg = rgb(value)
            break
        parents = node.find_elements(By.XPATH, "..")
        node = parents[0] if parents and parents[0].tag_name != "html" else None
    bg = bg or (255, 255, 255)
    lighter, darker = sorted((luminance(fg), luminance(bg)), reverse=True)
    return round((lighter + 0.05) / (darker + 0.05), 2)


def verify(path, name):
    driver.get(base + "/verify")
    driver.find_element(By.ID, "document").send_keys(os.path.abspath(path))
    driver.find_element(By.ID, "verify-button").click()
    verdict = WebDriverWait(driver, 60).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#result [data-verdict]")))
    reasons = driver.find_elements(By.CSS_SELECTOR, "#result #reason")
    driver.save_screenshot(os.path.join(artifacts, f"verify-{name}.png"))
    return {
        "indication": verdict.get_attribute("data-verdict"),
        "verdict": verdict.text,
        "reason": reasons[0].text if reasons else None,
        "contrast": contrast(verdict),
        "sections": len(driver.find_elements(By.CSS_SELECTOR, "#result section.signature")),
    }


try:
    result["valid"] = verify(valid, "valid")
    result["tampered"] = verify(tampered, "tampered")

    # The lookup, by keyboard only: Tab to the field, type, Enter.
    driver.get(base + "/verify")
    order = []
    for _ in range(8):
        # Key presses to the page (a file field would take keys sent to it as a path).
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        order.append(active.get_attribute("id") or active.tag_name)
        if order[-1] == "q":
            break
    result["tabOrder"] = order
    ActionChains(driver).send_keys(filing + Keys.ENTER).perform()
    state = WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "seal-state")))
    result["lookup"] = {"state": state.text, "contrast": contrast(state)}
    driver.save_screenshot(os.path.join(artifacts, "verify-lookup.png"))

    # Every visible field has a label; the page fits a phone.
    unlabelled = []
    for field in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden])"):
        if not driver.find_elements(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']"):
            unlabelled.append(field.get_attribute("id"))
    result["unlabelled"] = unlabelled
    driver.set_window_size(390, 844)
    driver.get(base + "/verify?lang=en")
    result["english"] = driver.find_element(By.TAG_NAME, "h1").text
    result["phoneOverflows"] = driver.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth")
    driver.save_screenshot(os.path.join(artifacts, "verify-phone-en.png"))
    result["consoleErrors"] = [entry["message"] for entry in driver.get_log("browser")
                               if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]
finally:
    driver.quit()
print(json.dumps(result, ensure_ascii=False))
