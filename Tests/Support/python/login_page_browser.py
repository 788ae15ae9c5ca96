"""Logs a person in on trustd's login page (统一身份认证) in headless Chromium through chromedriver (Selenium), as a
citizen sent by a platform would: the ID number, the SMS code (read from the daemon's outbox, as the phone would
show it), then back to the platform's redirect URI with a code, which is exchanged (PKCE) for an ID token. Checks the
page's labels and keyboard order. Prints one JSON object; screenshots go to the artifacts folder.

usage: login_page_browser.py ISSUER CLIENT_ID REDIRECT_URI ID_NUMBER OUTBOX ARTIFACTS_DIR
"""
import base64
import hashlib
import json
import os
import re
import secrets
import sys
import urllib.parse

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

issuer, client_id, redirect_uri, id_number, outbox, artifacts = sys.argv[1:7]
os.makedirs(artifacts, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=420,900", "--lang=zh-CN"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(60)
result = {}
try:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "openid identity",
        "state": "browser-1", "nonce": secrets.token_urlsafe(12), "code_challenge": challenge,
        "code_challenge_method": "S256"})
    driver.get(f"{issuer}/oidc/authorize?{query}")
    result["title"] = driver.title
    result["platform"] = driver.find_element(By.ID, "platform").text
    labelled = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden])")]
    result["unlabelled"] = [i for i in labelled if not driver.find_elements(By.CSS_SELECTOR, f"label[for='{i}']")]
    driver.save_screenshot(os.path.join(artifacts, "1-id-number.png"))
    # Keyboard only: the field has focus after one Tab, Enter submits.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    result["first_focus"] = driver.switch_to.active_element.get_attribute("id")
    driver.switch_to.active_element.send_keys(id_number, Keys.ENTER)
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "code"))
    result["message"] = driver.find_element(By.ID, "login-message").text
    result["platform_on_code_step"] = driver.find_element(By.ID, "platform").text
    driver.save_screenshot(os.path.join(artifacts, "2-code.png"))
    lines = [line for line in open(outbox, encoding="utf-8").read().splitlines() if "code=" in line]
    code = re.search(r"code=(\d{6})", lines[-1]).group(1)
    driver.find_element(By.ID, "code").send_keys(code)
    driver.find_element(By.ID, "login-button").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.startswith(redirect_uri))
    driver.save_screenshot(os.path.join(artifacts, "3-back-at-platform.png"))
    back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(driver.current_url).query))
    result["state"] = back.get("state")
    token = requests.post(f"{issuer}/oidc/token", data={
        "grant_type": "authorization_code", "code": back["code"], "redirect_uri": redirect_uri,
        "code_verifier": verifier, "client_id": client_id}, timeout=10).json()
    payload = token["id_token"].split(".")[1]
    result["id_token"] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
finally:
    driver.quit()
print(json.dumps(result, ensure_ascii=False))
