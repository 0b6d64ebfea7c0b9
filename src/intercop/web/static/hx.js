/* hx.js: the InterCOP UI's own small subset of the htmx attributes.
 *
 * Pages work without it: every action is a normal link or form. With it, an element
 * carrying hx-get or hx-post fetches its URL and swaps the part of the answer named
 * by hx-select (default: the hx-target selector) into hx-target, so a filter or an
 * approval updates the list in place. Supported: hx-get, hx-post, hx-target
 * ("this" or a CSS selector), hx-select, hx-swap (innerHTML | outerHTML),
 * hx-trigger ("click", "submit", "change", "input delay:300ms"), hx-confirm,
 * hx-push-url ("true"). Form posts carry the form's single-use CSRF token both in
 * the body and as the X-CSRF-Token header.
 */
(function () {
  "use strict";
  var SELECTOR = "[hx-get],[hx-post]";

  function defaultTrigger(el) {
    if (el.tagName === "FORM") return "submit";
    if (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") return "change";
    return "click";
  }

  function parseTrigger(el) {
    var spec = (el.getAttribute("hx-trigger") || defaultTrigger(el)).trim().split(/\s+/);
    var delay = 0;
    spec.slice(1).forEach(function (part) {
      var m = /^delay:(\d+)ms$/.exec(part);
      if (m) delay = parseInt(m[1], 10);
    });
    return { event: spec[0], delay: delay };
  }

  function targetOf(el) {
    var sel = el.getAttribute("hx-target");
    if (!sel || sel === "this") return el;
    return document.querySelector(sel);
  }

  function formOf(el) {
    return el.tagName === "FORM" ? el : el.closest("form");
  }

  function request(el, submitter) {
    var confirmText = el.getAttribute("hx-confirm");
    if (confirmText && !window.confirm(confirmText)) return;
    var method = el.hasAttribute("hx-post") ? "POST" : "GET";
    var url = el.getAttribute(method === "POST" ? "hx-post" : "hx-get");
    var form = formOf(el);
    var headers = { "HX-Request": "true" };
    var body = null;
    if (form) {
      // the pressed submit button's name=value (e.g. decision=approve) belongs to the form data
      var data = submitter && submitter.form === form ? new FormData(form, submitter) : new FormData(form);
      if (method === "GET") {
        var query = new URLSearchParams(data).toString();
        url += (url.indexOf("?") < 0 ? "?" : "&") + query;
      } else {
        body = new URLSearchParams(data);
        var token = data.get("csrf");
        if (token) headers["X-CSRF-Token"] = token;
      }
    }
    var target = targetOf(el);
    if (!target) return;
    target.classList.add("htmx-busy");
    fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" })
      .then(function (response) { return response.text().then(function (text) { return [response, text]; }); })
      .then(function (pair) {
        var landed = new URL(pair[0].url, window.location.href);
        if (pair[0].redirected && landed.pathname !== window.location.pathname) {
          // a form that led to another page (e.g. the campaign just created): go there
          window.location.assign(landed.href);
          return;
        }
        swap(el, target, pair[1]);
        if (el.getAttribute("hx-push-url") === "true" && method === "GET") {
          window.history.pushState({}, "", url);
        }
      })
      .catch(function () { target.classList.remove("htmx-busy"); });
  }

  function swap(el, target, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var sel = el.getAttribute("hx-select") || el.getAttribute("hx-target");
    var fresh = sel && sel !== "this" ? doc.querySelector(sel) : doc.body;
    target.classList.remove("htmx-busy");
    if (!fresh) {
      // an answer without the part to swap (a refusal, an error page): show its message
      var alert = doc.querySelector('[role="alert"], .error');
      if (alert) target.parentNode.insertBefore(document.importNode(alert, true), target);
      return;
    }
    var mode = el.getAttribute("hx-swap") || "outerHTML";
    if (mode === "innerHTML") {
      target.innerHTML = fresh.innerHTML;
      process(target);
    } else {
      var copy = document.importNode(fresh, true);
      target.replaceWith(copy);
      process(copy);
    }
  }

  function bind(el) {
    if (el.__hx) return;
    el.__hx = true;
    var trigger = parseTrigger(el);
    var timer = null;
    el.addEventListener(trigger.event, function (event) {
      event.preventDefault();
      var submitter = event.submitter || null;
      if (trigger.delay) {
        clearTimeout(timer);
        timer = setTimeout(function () { request(el, submitter); }, trigger.delay);
      } else {
        request(el, submitter);
      }
    });
  }

  function process(root) {
    if (root.matches && root.matches(SELECTOR)) bind(root);
    root.querySelectorAll(SELECTOR).forEach(bind);
  }

  document.addEventListener("DOMContentLoaded", function () { process(document.body); });
})();
