// The card fields iframe's script, served from the API's origin at /elements/card-fields.js (never a CDN). It
// runs inside the iframe only. It takes commands from the parent page only when the message comes from the
// parent window and from the one origin the iframe was opened for; it answers only to that origin (never "*").
// The card number, expiry and CVC go from the fields straight to this origin's /graphql (tokenizeCard with the
// publishable key): the parent receives the payment method id, brand and last 4, never the number.
export const CARD_FIELDS_SCRIPT = `"use strict";
(function () {
  var body = document.body;
  var parentOrigin = body.getAttribute("data-parent-origin");
  var publishableKey = body.getAttribute("data-publishable-key");
  var form = document.getElementById("card-fields");
  var status = document.getElementById("status");
  var busy = false;
  function tell(message) {
    // Only ever the registered origin: a page elsewhere that framed us gets nothing.
    window.parent.postMessage(message, parentOrigin);
  }
  function field(id) { return document.getElementById(id).value.trim(); }
  function fail(code, message) {
    status.textContent = message;
    tell({ type: "paycore:error", code: code, message: message });
  }
  function tokenize() {
    if (busy) return;
    busy = true;
    status.textContent = "";
    var key = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2);
    var input = {
      idempotencyKey: "card-fields-" + key,
      card: {
        number: field("number"),
        expMonth: parseInt(field("exp-month"), 10) || 0,
        expYear: parseInt(field("exp-year"), 10) || 0,
        cvc: field("cvc")
      }
    };
    fetch("/graphql", {
      method: "POST",
      credentials: "omit",
      headers: { "content-type": "application/json", authorization: "Bearer " + publishableKey },
      body: JSON.stringify({
        query: "mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id brand last4 expMonth expYear } errors { code message } } }",
        variables: { input: input }
      })
    }).then(function (response) { return response.json(); }).then(function (answer) {
      busy = false;
      var payload = answer && answer.data && answer.data.tokenizeCard;
      if (payload && payload.paymentMethod) {
        var method = payload.paymentMethod;
        form.reset();
        status.textContent = "Card saved.";
        tell({ type: "paycore:paymentMethod", paymentMethodId: method.id, brand: method.brand, last4: method.last4, expMonth: method.expMonth, expYear: method.expYear });
      } else if (payload && payload.errors && payload.errors.length) {
        fail(payload.errors[0].code, payload.errors[0].message);
      } else {
        var error = answer && answer.errors && answer.errors[0];
        fail((error && error.extensions && error.extensions.code) || "UNEXPECTED", (error && error.message) || "The card could not be saved.");
      }
    }, function () {
      busy = false;
      fail("NETWORK", "The card could not be saved: check the connection and try again.");
    });
  }
  window.addEventListener("message", function (event) {
    // Commands only from the parent window and only from the registered origin.
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    var data = event.data;
    if (data && data.type === "paycore:tokenize") tokenize();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); tokenize(); });
  tell({ type: "paycore:ready" });
})();
`;
