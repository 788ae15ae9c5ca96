#!/usr/bin/env python3
"""An OpenID Connect relying party for trustd's login service tests, built on authlib (not on trustd's code).

  oidc_rp.py CONFIG.json  -> JSON results on stdout (exit 0), or a message on stderr (exit 1)

CONFIG: {issuer, id_number, outbox, a: {id, secret, redirect}, b: {id, redirect}}. Platform A is a confidential
client, B a public one. A "browser" (a requests session with cookies) logs in on trustd's login page by SMS code
(read from the OTP outbox file the daemon writes), then the script checks what a platform would: discovery, code
flow with PKCE S256, the ID token's signature and claims (authlib's CodeIDToken against the JWKS), userinfo, refresh
rotation, single sign-on for B, step-up refusal, the errors the specs name, and logout.
"""
import json
import re
import secrets
import sys
import time
import urllib.parse
from html.parser import HTMLParser

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from authlib.oidc.core import CodeIDToken
from joserfc.jwk import ECKey  # authlib 1.9 signs client assertions with joserfc keys


class Form(HTMLParser):
    """The hidden and named inputs of the login form."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")


def hidden_fields(html):
    parser = Form()
    parser.feed(html)
    return parser.fields


def query(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def latest_code(outbox):
    lines = [line for line in open(outbox, encoding="utf-8").read().splitlines() if "code=" in line]
    return re.search(r"code=(\d{6})", lines[-1]).group(1)


def main():
    config = json.load(open(sys.argv[1], encoding="utf-8"))
    issuer = config["issuer"]
    out = {}
    meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert meta["issuer"] == issuer, meta
    out["discovery"] = {k: meta[k] for k in ("code_challenge_methods_supported", "id_token_signing_alg_values_supported",
                                             "acr_values_supported", "subject_types_supported",
                                             "token_endpoint_auth_methods_supported")}
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    browser = requests.Session()

    def platform(name):
        c = config[name]
        return OAuth2Session(
            c["id"], c.get("secret"), scope="openid identity", redirect_uri=c["redirect"],
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if c.get("secret") else "none")

    def authorize(name, session, extra=None, user_agent=browser):
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        uri, state = session.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **(extra or {}))
        return user_agent.get(uri, allow_redirects=False, timeout=10), verifier, nonce, state

    def log_in(page):
        """Fills trustd's login page: ID number, then the SMS code. Returns the authorize answer afterwards."""
        assert page.status_code == 200 and "统一身份认证" in page.text, (page.status_code, dict(page.headers), page.text[:300])
        fields = hidden_fields(page.text)
        fields.update({"id_number": config["id_number"], "action": "send"})
        sent = browser.post(issuer + "/oidc/login", data=fields, allow_redirects=False, timeout=10)
        assert sent.status_code == 200 and 'name="otp_id"' in sent.text, sent.text[:300]
        fields = hidden_fields(sent.text)
        wrong = dict(fields, code="000000" if latest_code(config["outbox"]) != "000000" else "111111", action="verify")
        refused = browser.post(issuer + "/oidc/login", data=wrong, allow_redirects=False, timeout=10)
        out["wrong_code_status"] = refused.status_code
        fields.update({"code": latest_code(config["outbox"]), "action": "verify"})
        done = browser.post(issuer + "/oidc/login", data=fields, allow_redirects=False, timeout=10)
        assert done.status_code == 303, (done.status_code, done.text[:300])
        return browser.get(issuer + done.headers["Location"], allow_redirects=False, timeout=10)

    def finish(name, session, answer, verifier, nonce, state):
        assert answer.status_code == 302, (answer.status_code, answer.text[:300])
        location = answer.headers["Location"]
        params = query(location)
        assert params.get("state") == state and params.get("iss") == issuer, params
        token = session.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
        claims = jwt.decode(
            token["id_token"], keys, claims_cls=CodeIDToken,
            claims_options={"iss": {"essential": True, "value": issuer},
                            "aud": {"essential": True, "value": config[name]["id"]}},
            claims_params={"nonce": nonce})
        claims.validate(leeway=5)
        return token, dict(claims), params["code"]

    # Platform A: a login on the page, then the code flow.
    a = platform("a")
    answer, verifier, nonce, state = authorize("a", a)
    answer = log_in(answer)
    token, claims, code = finish("a", a, answer, verifier, nonce, state)
    out["a"] = {"claims": claims, "token_type": token["token_type"], "scope": token["scope"]}
    out["a"]["userinfo"] = a.get(meta["userinfo_endpoint"], timeout=10).json()
    header = json.loads(jwt_header(token["id_token"]))
    out["a"]["id_token_header"] = header

    # Refresh rotation: the new token works, the spent one is refused and revokes the family.
    first_refresh = token["refresh_token"]
    refreshed = a.refresh_token(meta["token_endpoint"], refresh_token=first_refresh)
    out["refresh"] = {"new_token": refreshed["refresh_token"] != first_refresh, "has_id_token": "id_token" in refreshed}
    replay = requests.post(meta["token_endpoint"], auth=(config["a"]["id"], config["a"]["secret"]), data={
        "grant_type": "refresh_token", "refresh_token": first_refresh}, timeout=10)
    out["refresh_replay"] = [replay.status_code, replay.json()]
    after = requests.post(meta["token_endpoint"], auth=(config["a"]["id"], config["a"]["secret"]), data={
        "grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]}, timeout=10)
    out["family_revoked"] = [after.status_code, after.json().get("error")]

    # The code again (reuse), and a wrong verifier on a fresh code: invalid_grant both.
    reuse = requests.post(meta["token_endpoint"], auth=(config["a"]["id"], config["a"]["secret"]), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": config["a"]["redirect"],
        "code_verifier": verifier}, timeout=10)
    out["code_reuse"] = [reuse.status_code, reuse.json()]
    answer, verifier2, _, _ = authorize("a", a)
    fresh = query(answer.headers["Location"])["code"]
    wrong = requests.post(meta["token_endpoint"], auth=(config["a"]["id"], config["a"]["secret"]), data={
        "grant_type": "authorization_code", "code": fresh, "redirect_uri": config["a"]["redirect"],
        "code_verifier": secrets.token_urlsafe(48)}, timeout=10)
    out["wrong_verifier"] = [wrong.status_code, wrong.json()]
    bad_secret = requests.post(meta["token_endpoint"], auth=(config["a"]["id"], "not-the-secret"), data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, timeout=10)
    out["bad_client_secret"] = [bad_secret.status_code, bad_secret.json()]

    # Platform B (public): single sign-on, no login page.
    b = platform("b")
    answer, verifier, nonce, state = authorize("b", b)
    out["b_prompted"] = answer.status_code == 200
    token_b, claims_b, _ = finish("b", b, answer, verifier, nonce, state)
    out["b"] = {"claims": claims_b}

    # A code left unexchanged past its lifetime (login.codeLifetimeSeconds: 10 here) is exchanged further down.
    answer, late_verifier, _, _ = authorize("b", b, {"prompt": "none"})
    late_code, late_since = query(answer.headers["Location"])["code"], time.monotonic()

    # Platform C (private_key_jwt, ES256): single sign-on, tokens for a signed assertion; the same assertion again,
    # and one signed by another key, are refused (and spend nothing).
    c_key = ECKey.import_key(open(config["c"]["key"], encoding="utf-8").read())
    c = OAuth2Session(config["c"]["id"], c_key, scope="openid identity", redirect_uri=config["c"]["redirect"],
                      code_challenge_method="S256", token_endpoint_auth_method="private_key_jwt")
    c.register_client_auth_method(PrivateKeyJWT(meta["token_endpoint"], alg="ES256"))
    answer, verifier, nonce, state = authorize("c", c)
    token_c, claims_c, _ = finish("c", c, answer, verifier, nonce, state)
    out["c"] = {"claims": claims_c}

    def refresh_c(assertion, refresh):
        assertion = assertion.decode() if isinstance(assertion, bytes) else assertion
        return requests.post(meta["token_endpoint"], data={
            "grant_type": "refresh_token", "refresh_token": refresh, "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, timeout=10)
    assertion = private_key_jwt_sign(c_key, config["c"]["id"], meta["token_endpoint"], alg="ES256")
    first = refresh_c(assertion, token_c["refresh_token"])
    out["c_assertion_first"] = first.status_code
    refresh = first.json().get("refresh_token", "")
    again = refresh_c(assertion, refresh)
    out["c_assertion_replay"] = [again.status_code, again.json()]
    other = ECKey.generate_key("P-256")
    forged = refresh_c(private_key_jwt_sign(other, config["c"]["id"], meta["token_endpoint"], alg="ES256"), refresh)
    out["c_forged"] = [forged.status_code, forged.json()]
    with_secret = requests.post(meta["token_endpoint"], auth=(config["c"]["id"], "guess"), data={
        "grant_type": "refresh_token", "refresh_token": refresh}, timeout=10)
    out["c_with_secret"] = [with_secret.status_code, with_secret.json()]
    fresh = refresh_c(private_key_jwt_sign(c_key, config["c"]["id"], meta["token_endpoint"], alg="ES256"), refresh)
    out["c_refresh_still_valid"] = fresh.status_code

    # Step-up the evidence cannot meet; a redirect URI not registered; prompt=none without a session.
    # Step-up: platform A asks for advanced; the page asks for the live check, which the face-check service must
    # confirm (a stalled answer and another person's face are refused on the page); then an ID token at advanced.
    answer, verifier, nonce, state = authorize("a", a, {"acr_values": "urn:trustd:loa:advanced"})
    out["step_up_page"] = answer.status_code == 200 and 'name="liveness_session"' in answer.text
    fields = dict(hidden_fields(answer.text), action="live")
    slow = browser.post(issuer + "/oidc/login", data=dict(fields, liveness_session="slow-1"), allow_redirects=False,
                        timeout=20)
    out["step_up_slow"] = slow.status_code
    other = browser.post(issuer + "/oidc/login", data=dict(fields, liveness_session="other-1"),
                         allow_redirects=False, timeout=10)
    out["step_up_mismatch"] = other.status_code
    done = browser.post(issuer + "/oidc/login", data=dict(fields, liveness_session="ok-1"), allow_redirects=False,
                        timeout=10)
    assert done.status_code == 303, (done.status_code, done.text[:300])
    answer = browser.get(issuer + done.headers["Location"], allow_redirects=False, timeout=10)
    _, claims_advanced, _ = finish("a", a, answer, verifier, nonce, state)
    out["advanced"] = {"acr": claims_advanced["acr"], "amr": claims_advanced["amr"]}
    bad = OAuth2Session(config["a"]["id"], scope="openid", redirect_uri="https://attacker.example/cb",
                        code_challenge_method="S256")
    answer, _, _, _ = authorize("a", bad)
    out["wrong_redirect"] = [answer.status_code, answer.headers.get("Location")]
    stranger = requests.Session()
    answer, _, _, _ = authorize("a", a, {"prompt": "none"}, user_agent=stranger)
    out["prompt_none_without_session"] = query(answer.headers.get("Location", ""))
    no_pkce = browser.get(meta["authorization_endpoint"], params={
        "response_type": "code", "client_id": config["a"]["id"], "redirect_uri": config["a"]["redirect"],
        "scope": "openid"}, allow_redirects=False, timeout=10)
    out["without_pkce"] = query(no_pkce.headers.get("Location", ""))

    time.sleep(max(0.0, 11 - (time.monotonic() - late_since)))
    expired = requests.post(meta["token_endpoint"], data={
        "grant_type": "authorization_code", "code": late_code, "redirect_uri": config["b"]["redirect"],
        "code_verifier": late_verifier, "client_id": config["b"]["id"]}, timeout=10)
    out["expired_code"] = [expired.status_code, expired.json()]

    # Logout: a return address the hinted platform did not register is refused and ends nothing; then back to the
    # platform, and the session is gone everywhere.
    refused = browser.get(meta["end_session_endpoint"], params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": config["b"]["redirect"]},
        allow_redirects=False, timeout=10)
    out["logout_other_redirect"] = refused.status_code
    answer, _, _, _ = authorize("b", b, {"prompt": "none"})
    out["still_logged_in"] = "code" in query(answer.headers.get("Location", ""))
    unnamed = browser.get(meta["end_session_endpoint"], params={
        "post_logout_redirect_uri": config["a"]["redirect"]}, allow_redirects=False, timeout=10)
    out["logout_without_hint"] = unnamed.status_code
    logout = browser.get(meta["end_session_endpoint"], params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": config["a"]["redirect"], "state": "bye"},
        allow_redirects=False, timeout=10)
    out["logout"] = [logout.status_code, logout.headers.get("Location")]
    answer, _, _, _ = authorize("b", b, {"prompt": "none"})
    out["after_logout"] = query(answer.headers.get("Location", ""))
    gone = requests.post(meta["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": token_b["refresh_token"], "client_id": config["b"]["id"]},
        timeout=10)
    out["refresh_after_logout"] = [gone.status_code, gone.json().get("error")]
    info = requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + token_b["access_token"]},
                        timeout=10)
    out["userinfo_after_logout"] = info.status_code
    print(json.dumps(out, ensure_ascii=False))


def jwt_header(token):
    part = token.split(".")[0]
    return __import__("base64").urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - the test shows the message
        import traceback
        traceback.print_exc()
        print(f"oidc_rp: {error!r}", file=sys.stderr)
        sys.exit(1)
