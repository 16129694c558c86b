// Playbook Assistant console: plain DOM, no dependencies. Every piece of API or user text is set with
// textContent (never innerHTML), so nothing the server or a user returns can run as markup.
"use strict";

(function () {
  const KEY_STORAGE = "playbook.apiKey";
  const REASONS = {
    wrong_policy: "Wrong policy",
    outdated: "Outdated",
    missing: "Missing information",
    tone: "Tone",
    should_have_escalated: "Should have escalated",
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name === "className") node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children || []) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ---- API key (sessionStorage only: gone when the tab closes, never in the URL) ----

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORAGE) || "";
    } catch (e) {
      return "";
    }
  }

  function saveKey(value) {
    try {
      if (value) sessionStorage.setItem(KEY_STORAGE, value);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch (e) {
      /* storage disabled: the key lives in the field only */
    }
    $("key-status").textContent = value ? "Key kept for this tab" : "No key yet";
  }

  function currentKey() {
    return $("api-key").value.trim();
  }

  // ---- errors ----

  function showError(message) {
    const box = $("error");
    box.replaceChildren(el("strong", { text: "Error: " }), document.createTextNode(message));
    box.hidden = false;
    const top = box.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight) box.scrollIntoView({ block: "nearest" });
  }

  function clearError() {
    const box = $("error");
    box.hidden = true;
    box.replaceChildren();
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function describe(err) {
    if (err instanceof ApiError) {
      if (err.status === 401) return `${err.message} — check your API key.`;
      if (err.status === 403) return `${err.message} — this API key's role cannot do that.`;
      return err.message;
    }
    return "Could not reach the server. Is it running?";
  }

  async function api(method, path, body) {
    const key = currentKey();
    if (!key) throw new ApiError(401, "unauthorized", "No API key");
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: Object.assign(
          { Authorization: `Bearer ${key}`, Accept: "application/json" },
          body === undefined ? {} : { "Content-Type": "application/json" },
        ),
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (e) {
      throw new Error("network");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "http_error",
        error.message || `The server answered ${response.status}`);
    }
    return data;
  }

  async function busy(button, label, work) {
    const original = Array.from(button.childNodes);
    button.disabled = true;
    if (label) button.textContent = label;
    button.setAttribute("aria-busy", "true");
    try {
      return await work();
    } finally {
      button.disabled = false;
      if (label) button.replaceChildren(...original);
      button.removeAttribute("aria-busy");
    }
  }

  // ---- answers ----

  const INLINE = /(\*\*[^*\n]+\*\*|`[^`\n]+`|\[\d+\])/g;

  // One answer line → nodes: **bold**, `code` and [n] citation links; everything else is text.
  function renderLine(line, citationCount, listId) {
    const nodes = [];
    for (const part of line.split(INLINE)) {
      if (!part) continue;
      let m;
      if ((m = /^\[(\d+)\]$/.exec(part)) && Number(m[1]) >= 1 && Number(m[1]) <= citationCount) {
        const n = m[1];
        nodes.push(el("a", {
          href: `#${listId}-${n}`, className: "cite", "data-n": n, "data-list": listId,
          "aria-label": `Source ${n}`, text: `[${n}]`,
        }));
      } else if (/^\*\*[^*]+\*\*$/.test(part)) {
        nodes.push(el("strong", { text: part.slice(2, -2) }));
      } else if (/^`[^`]+`$/.test(part)) {
        nodes.push(el("code", { text: part.slice(1, -1) }));
      } else {
        nodes.push(document.createTextNode(part));
      }
    }
    return nodes;
  }

  const TABLE_LINE = /^\s*\|.*\|\s*$/;
  const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

  function cells(line) {
    return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
  }

  // A run of Markdown table lines → a <table> (header row, then body rows; the separator line is dropped).
  function renderTable(lines, citationCount, listId) {
    const [header, ...rest] = lines;
    const head = el("thead", {}, [el("tr", {}, cells(header).map((c) => el("th", {}, renderLine(c, citationCount, listId))))]);
    const body = el("tbody", {}, rest.filter((l) => !TABLE_SEPARATOR.test(l)).map(
      (l) => el("tr", {}, cells(l).map((c) => el("td", {}, renderLine(c, citationCount, listId))))));
    return el("table", { className: "answer-table" }, [head, body]);
  }

  function renderAnswerText(container, text, citationCount, listId) {
    container.replaceChildren();
    const lines = String(text).split("\n");
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i];
      if (!raw.trim()) continue;
      if (TABLE_LINE.test(raw) && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1])) {
        const run = [];
        while (i < lines.length && TABLE_LINE.test(lines[i])) run.push(lines[i++]);
        i--;
        container.append(renderTable(run, citationCount, listId));
        continue;
      }
      const bullet = /^\s*[-*•]\s+/.exec(raw);
      const line = bullet ? raw.slice(bullet[0].length) : raw;
      container.append(el("p", { className: bullet ? "line bullet" : "line" }, renderLine(line, citationCount, listId)));
    }
  }

  function renderSources(list, citations, idPrefix) {
    list.replaceChildren();
    for (const c of citations || []) {
      const where = [c.title, c.section].filter(Boolean).join(" › ");
      const extra = [];
      if (c.owner) extra.push(`Owner: ${c.owner}`);
      if (c.effective_date) extra.push(`effective ${c.effective_date}`);
      const item = el("li", { id: `${idPrefix}-${c.n}`, tabindex: "-1", "data-doc-id": c.doc_id, value: c.n }, [
        el("span", { className: "source-title", text: where || c.doc_id }),
        el("code", { className: "source-path", text: c.source }),
      ]);
      if (extra.length) item.append(el("span", { className: "source-extra", text: extra.join(" · ") }));
      list.append(item);
    }
  }

  function highlightSource(listId, n) {
    const target = $(`${listId}-${n}`);
    if (!target) return;
    for (const old of document.querySelectorAll(".sources li.highlight")) old.classList.remove("highlight");
    target.classList.add("highlight");
    const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    target.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "center" });
    target.focus({ preventScroll: true });
  }

  function showAnswer(result) {
    const panel = $("answer-panel");
    const answer = $("answer");
    const citations = result.citations || [];
    answer.dataset.answerId = result.id;
    panel.dataset.answerId = result.id;
    renderAnswerText(answer, result.answer, citations.length, "source");
    renderSources($("citations"), citations, "source");
    $("citations-heading").hidden = citations.length === 0;
    $("abstained").hidden = !result.abstained;
    panel.classList.toggle("is-abstained", Boolean(result.abstained));

    const pct = Math.round((Number(result.confidence) || 0) * 100);
    const level = pct >= 70 ? "high" : pct >= 40 ? "medium" : "low";
    const confidence = $("confidence");
    confidence.className = `confidence ${level}`;
    confidence.replaceChildren(
      document.createTextNode("Confidence "),
      el("meter", { min: 0, max: 100, low: 40, high: 70, optimum: 100, value: pct, "aria-hidden": "true" }),
      el("strong", { text: ` ${pct}%` }),
    );
    $("latency").textContent = result.latency_ms != null ? `${Math.round(result.latency_ms)} ms` : "";
    resetFeedback();
    panel.hidden = false;
  }

  async function onAsk(event) {
    event.preventDefault();
    clearError();
    const question = $("question").value.trim();
    if (!question) {
      $("question").focus();
      return;
    }
    if (!currentKey()) {
      showError("Paste your API key first — check your API key.");
      $("api-key").focus();
      return;
    }
    await busy($("ask-button"), "Asking…", async () => {
      try {
        showAnswer(await api("POST", "/v1/ask", { question }));
      } catch (err) {
        showError(describe(err));
      }
    });
  }

  // ---- feedback ----

  function resetFeedback() {
    $("feedback-up").disabled = false;
    $("feedback-down").disabled = false;
    $("feedback-up").classList.remove("chosen");
    $("feedback-down").classList.remove("chosen");
    $("feedback-down").setAttribute("aria-expanded", "false");
    $("feedback-status").textContent = "";
    $("feedback-form").hidden = true;
    $("feedback-form").reset();
  }

  async function sendFeedback(rating, reason, comment, button, busyLabel) {
    clearError();
    const body = { answer_id: $("answer").dataset.answerId, rating };
    if (reason) body.reason = reason;
    if (comment) body.comment = comment;
    await busy(button, busyLabel, async () => {
      try {
        await api("POST", "/v1/feedback", body);
        $("feedback-form").hidden = true;
        $("feedback-down").setAttribute("aria-expanded", "false");
        $(rating === "up" ? "feedback-up" : "feedback-down").classList.add("chosen");
        $("feedback-status").textContent = reason
          ? `Thanks — feedback stored (${REASONS[reason] || reason}).`
          : "Thanks — feedback stored.";
      } catch (err) {
        showError(describe(err));
      }
    });
    if ($("feedback-status").textContent) {
      $("feedback-up").disabled = true;
      $("feedback-down").disabled = true;
    }
  }

  function onThumbDown() {
    const form = $("feedback-form");
    form.hidden = !form.hidden;
    $("feedback-down").setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) $("feedback-reason").focus();
  }

  async function onFeedbackSubmit(event) {
    event.preventDefault();
    const reason = $("feedback-reason").value;
    if (!reason) {
      $("feedback-reason").focus();
      return;
    }
    await sendFeedback("down", reason, $("feedback-comment").value.trim(), $("feedback-submit"), "Sending…");
  }

  // ---- drafts ----

  const ACTIONS = {
    full_refund: "Full refund",
    credit: "Goodwill credit",
    rescue_offer: "Rescue offer",
    verify_charge: "Verify the charge first",
  };

  function formatWhen(iso, timeZone) {
    if (!iso) return "—";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    const options = {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    };
    if (timeZone) {
      try {
        return date.toLocaleString(undefined, {
          timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
        });
      } catch (e) {
        return "";
      }
    }
    return date.toLocaleString(undefined, options);
  }

  function formatAmount(amount, currency) {
    if (amount === null || amount === undefined) return "—";
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD" }).format(amount);
    } catch (e) {
      return `${currency || ""} ${amount}`.trim();
    }
  }

  function humanize(value) {
    if (!value) return "—";
    const text = String(value);
    return ACTIONS[text] || (text.charAt(0).toUpperCase() + text.slice(1)).replace(/_/g, " ");
  }

  function fact(dl, term, value, className) {
    dl.append(el("dt", { text: term }), el("dd", { text: value, className: className || null }));
  }

  // Due times in the agent's local time, plus the client's local time when their zone differs.
  function timeFact(dl, term, iso, clientZone) {
    const dd = el("dd", {}, [el("time", { datetime: iso || "", title: iso || "", text: formatWhen(iso) })]);
    const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (iso && clientZone && clientZone !== mine) {
      const theirs = formatWhen(iso, clientZone);
      if (theirs) dd.append(el("span", { className: "client-time", text: ` · client: ${theirs}` }));
    }
    dl.append(el("dt", { text: term }), dd);
  }

  function showDraft(d) {
    const client = d.client || {};
    const who = [client.name, client.id, client.tier ? `tier ${client.tier}` : null, client.plan]
      .filter(Boolean).join(" · ");
    $("draft-client").textContent = who;
    const text = $("draft-text");
    text.value = d.draft || "";
    $("copy-status").textContent = "";

    const facts = $("draft-facts");
    facts.replaceChildren();
    fact(facts, "Recommended action", humanize(d.recommended_action));
    if (d.offer) fact(facts, "Offer", d.offer);
    else fact(facts, "Amount", formatAmount(d.amount, d.currency));
    if (d.reason) fact(facts, "Reason", humanize(d.reason));
    fact(facts, "Typification", d.typification || "—");
    fact(facts, "Approval", d.requires_approval ? "Required before sending" : "Not required",
      d.requires_approval ? "warn" : "ok");
    fact(facts, "Escalate to", d.escalate_to || "No escalation");
    const sla = d.sla || {};
    timeFact(facts, "First response due", sla.first_response_due, client.timezone);
    timeFact(facts, "Resolution due", sla.resolution_due, client.timezone);
    fact(facts, "SLA", [sla.state, sla.priority ? `${sla.priority} priority` : null, sla.channel]
      .filter(Boolean).join(" · ") || "—");

    const notes = $("draft-notes");
    notes.replaceChildren(...(d.notes || []).map((n) => el("li", { text: n })));
    notes.hidden = !(d.notes || []).length;
    renderSources($("policy-citations"), d.policy_citations, "policy");
    $("policy-heading").hidden = !(d.policy_citations || []).length;
    $("draft-result").hidden = false;
    text.style.height = "auto";
    text.style.height = `${text.scrollHeight + 4}px`;
  }

  async function onDraft(event) {
    event.preventDefault();
    clearError();
    if (!currentKey()) {
      showError("Paste your API key first — check your API key.");
      $("api-key").focus();
      return;
    }
    const body = {
      kind: $("draft-kind").value,
      client_id: $("client-id").value.trim(),
      message: $("draft-message").value.trim(),
      channel: $("draft-channel").value,
    };
    if ($("draft-language").value) body.language = $("draft-language").value;
    await busy($("draft-button"), "Drafting…", async () => {
      try {
        showDraft(await api("POST", "/v1/drafts", body));
      } catch (err) {
        showError(describe(err));
      }
    });
  }

  async function onCopy() {
    const text = $("draft-text").value;
    const status = $("copy-status");
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = "Copied";
    } catch (e) {
      // No clipboard API (plain http on another host, or denied): select the text instead.
      const area = $("draft-text");
      area.focus();
      area.select();
      status.textContent = document.execCommand && document.execCommand("copy") ? "Copied" : "Selected — press Ctrl+C";
    }
  }

  // ---- wiring ----

  document.addEventListener("DOMContentLoaded", () => {
    const keyInput = $("api-key");
    keyInput.value = storedKey();
    saveKey(keyInput.value.trim());
    keyInput.addEventListener("input", () => saveKey(currentKey()));
    $("key-form").addEventListener("submit", (e) => e.preventDefault());
    $("forget-key").addEventListener("click", () => {
      keyInput.value = "";
      saveKey("");
      keyInput.focus();
    });

    $("ask-form").addEventListener("submit", onAsk);
    $("question").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("ask-form").requestSubmit();
    });
    document.body.addEventListener("click", (e) => {
      const link = e.target.closest && e.target.closest("a.cite");
      if (!link) return;
      e.preventDefault();
      highlightSource(link.dataset.list, link.dataset.n);
    });

    $("feedback-up").addEventListener("click", () => sendFeedback("up", null, null, $("feedback-up"), null));
    $("feedback-down").addEventListener("click", onThumbDown);
    $("feedback-form").addEventListener("submit", onFeedbackSubmit);
    $("feedback-cancel").addEventListener("click", () => {
      $("feedback-form").hidden = true;
      $("feedback-down").setAttribute("aria-expanded", "false");
      $("feedback-down").focus();
    });

    $("draft-form").addEventListener("submit", onDraft);
    $("copy-draft").addEventListener("click", onCopy);
  });
})();
