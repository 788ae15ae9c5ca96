// The public verification page: reads the chosen files in the browser, posts them as base64 JSON to
// /verify/report and shows the report the server renders (escaped there). Nothing else is loaded or sent.
"use strict";
(function () {
  const form = document.getElementById("verify-form");
  const result = document.getElementById("result");
  if (!form || !result) return;

  function base64(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }

  function show(text, isError) {
    result.replaceChildren();
    const p = document.createElement("p");
    p.textContent = text;
    if (isError) p.className = "error";
    result.appendChild(p);
    result.focus();
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const signed = document.getElementById("document").files[0];
    const original = document.getElementById("original").files[0];
    if (!signed) return;
    const max = Number(form.dataset.maxBytes);
    if (signed.size > max || (original && original.size > max)) {
      show(form.dataset.tooLarge, true);
      return;
    }
    show(form.dataset.reading, false);
    const body = original
      ? { signature: base64(await signed.arrayBuffer()), data: base64(await original.arrayBuffer()) }
      : { document: base64(await signed.arrayBuffer()) };
    try {
      const response = await fetch("/verify/report?lang=" + encodeURIComponent(form.dataset.lang), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) {
        let message = form.dataset.failed;
        try { message = message + " " + JSON.parse(text).error.message; } catch (e) { /* not JSON */ }
        show(message, true);
        return;
      }
      // The server's report fragment: every value in it was escaped by the template.
      result.innerHTML = text;
      result.focus();
    } catch (e) {
      show(form.dataset.failed, true);
    }
  });
})();
