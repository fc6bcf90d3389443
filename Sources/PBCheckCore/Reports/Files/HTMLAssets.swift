/// The stylesheet and script `NAME.html` inlines (SPEC §5.2): the page
/// loads nothing, so both travel inside it. Kept apart from `HTMLReport`,
/// which writes the page's content.
enum HTMLAssets {
    /// System fonts only; GitHub's palette for the verdicts. Graphviz draws
    /// with presentation attributes (`stroke="black"`), which any CSS rule
    /// overrides: that is how a graph element is marked `current` (the
    /// step shown) or `trail` (the steps before it).
    static let style = #"""
    :root {
      --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --line: #eaeef2; --panel: #f6f8fa;
      --red: #cf222e; --red-bg: #ffebe9; --green: #1a7f37; --green-bg: #dafbe1;
      --amber: #9a6700; --amber-bg: #fff8c5; --blue: #0969da; --blue-bg: #ddf4ff; --blue-trail: #54aeff;
      --grey-bg: #eff2f5;
      --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
      color-scheme: light;
    }
    * { box-sizing: border-box; }
    body {
      margin: 0; color: var(--fg); background: #fff;
      font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, "Liberation Sans", sans-serif;
    }
    main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 40px; }
    h1 { font-size: 24px; line-height: 1.25; margin: 0; }
    h2 { font-size: 15px; margin: 0 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
    h3 { font-size: 14px; margin: 0 0 4px; }
    section { margin-top: 28px; }
    code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
    a { color: var(--blue); text-decoration: none; }
    a:hover { text-decoration: underline; }
    .muted { color: var(--muted); }
    .title { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
    .meta { margin: 6px 0 0; color: var(--muted); }
    .meta code { color: var(--fg); }
    .banner { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; border: 1px solid; }
    .banner.warn { color: var(--amber); background: var(--amber-bg); border-color: #d4a72c66; }
    .badge, .pill { display: inline-block; border-radius: 999px; font-weight: 600; white-space: nowrap; }
    .badge { padding: 3px 12px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; }
    .pill { padding: 0 8px; font-size: 12px; line-height: 20px; }
    .badge.failed, .badge.invalid, .pill.violated, .pill.error { color: var(--red); background: var(--red-bg); }
    .badge.passed, .pill.holds { color: var(--green); background: var(--green-bg); }
    .badge.inconclusive, .pill.warning, .pill.unknown { color: var(--amber); background: var(--amber-bg); }
    .pill.bounded, .pill.note { color: var(--blue); background: var(--blue-bg); }
    .counts { display: flex; gap: 10px; flex-wrap: wrap; margin-top: 18px; }
    .count { min-width: 104px; padding: 8px 14px; border: 1px solid var(--border); border-left-width: 4px; border-radius: 8px; background: #fff; color: var(--muted); }
    .count b { display: block; font-size: 22px; line-height: 1.2; color: var(--fg); }
    .count.violated { border-left-color: var(--red); } .count.warning { border-left-color: #d4a72c; }
    .count.holds { border-left-color: var(--green); } .count.bounded { border-left-color: var(--blue); }
    .count.unknown { border-left-color: #d4a72c; }
    .count.zero { opacity: .55; }
    table { border-collapse: collapse; width: 100%; font-size: 13px; }
    th { text-align: left; font-weight: 600; color: var(--muted); padding: 5px 8px; border-bottom: 1px solid var(--border); white-space: nowrap; }
    td { padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
    td.num { text-align: right; color: var(--muted); width: 1%; white-space: nowrap; }
    .verdicts td:first-child { width: 1%; }
    .where { color: var(--muted); font-size: 12px; margin-left: 6px; }
    .meters { display: grid; grid-template-columns: max-content minmax(120px, 360px) max-content; gap: 6px 14px; align-items: center; }
    .bar { height: 8px; border-radius: 4px; background: var(--grey-bg); overflow: hidden; }
    .bar > span { display: block; height: 100%; background: var(--green); }
    .bar.gap > span { background: #d4a72c; }
    .gaps { margin: 10px 0 0; }
    .gaps code { display: inline-block; margin: 2px 4px 2px 0; padding: 0 6px; border-radius: 4px; background: var(--grey-bg); }
    .explore { display: grid; grid-template-columns: minmax(0, 11fr) minmax(0, 9fr); gap: 28px; align-items: start; }
    .explore.graph-only { grid-template-columns: minmax(0, 1fr); }
    .explore > * { min-width: 0; }
    .graph-panel { position: sticky; top: 12px; }
    .graph { border: 1px solid var(--border); border-radius: 8px; padding: 8px; overflow: auto; max-height: 82vh; background: #fff; }
    .graph svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
    .graph g.trail > path, .graph g.trail > polygon, .graph g.trail > ellipse { stroke: var(--blue-trail); stroke-width: 2px; }
    .graph g.node.trail > ellipse, .graph g.node.trail > polygon, .graph g.node.trail > path { fill: #f0f7ff; }
    .graph g.edge.trail > polygon { fill: var(--blue-trail); }
    .graph g.current > path, .graph g.current > polygon, .graph g.current > ellipse { stroke: var(--blue); stroke-width: 3px; }
    .graph g.node.current > ellipse, .graph g.node.current > polygon, .graph g.node.current > path { fill: var(--blue-bg); }
    .graph g.edge.current > polygon { fill: var(--blue); }
    .graph g.edge.current > text { fill: var(--blue); font-weight: 700; }
    .caption { margin: 0 0 8px; min-height: 1.5em; }
    .legend { margin: 8px 0 0; font-size: 12px; color: var(--muted); }
    .legend i { display: inline-block; width: 18px; height: 0; border-top: 3px solid var(--blue); vertical-align: middle; margin: 0 4px 0 10px; }
    .legend i.trail { border-top: 2px solid var(--blue-trail); }
    .unavailable { padding: 24px; text-align: center; color: var(--muted); background: var(--panel); border-radius: 8px; }
    .tabs { display: none; gap: 6px; flex-wrap: wrap; margin-bottom: 14px; }
    .js .tabs { display: flex; }
    .cx-tab { font: 12px/1.4 var(--mono); padding: 4px 10px; border: 1px solid var(--border); border-radius: 6px; background: #fff; color: var(--fg); cursor: pointer; }
    .cx-tab:hover { background: var(--panel); }
    .cx-tab.active { border-color: var(--blue); background: var(--blue-bg); box-shadow: inset 0 0 0 1px var(--blue); }
    .cx-tab .n { color: var(--muted); margin-left: 4px; }
    .cx { margin-bottom: 28px; }
    .js .cx { display: none; }
    .js .cx.active { display: block; }
    .cx-detail { margin: 0 0 12px; color: var(--muted); }
    .stepper { display: none; align-items: center; gap: 10px; margin: 0 0 12px; }
    .js .stepper { display: flex; }
    .stepper button { font: inherit; font-size: 13px; padding: 4px 12px; border: 1px solid var(--border); border-radius: 6px; background: var(--panel); color: var(--fg); cursor: pointer; }
    .stepper button:hover:not(:disabled) { background: var(--grey-bg); }
    .stepper button:disabled { opacity: .45; cursor: default; }
    .indicator { font-weight: 600; min-width: 92px; text-align: center; }
    .keys { color: var(--muted); font-size: 12px; }
    kbd { font: 11px var(--mono); padding: 1px 5px; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 4px; background: var(--panel); }
    .step-view { display: none; border: 1px solid var(--border); border-radius: 8px; padding: 12px 14px; margin-bottom: 14px; background: #fff; }
    .js .step-view { display: block; }
    .step-head { margin: 0 0 8px; font-size: 15px; }
    .kicker { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin-right: 6px; }
    .step-head code { font-size: 14px; font-weight: 600; }
    .facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 10px; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; font-family: var(--mono); font-size: 12.5px; }
    .vars td:first-child { width: 40%; }
    .vars tr.changed td { background: var(--amber-bg); }
    del { color: var(--red); text-decoration: line-through; }
    ins { color: var(--green); text-decoration: none; font-weight: 700; }
    .arrow { color: var(--muted); padding: 0 4px; }
    .violation { margin: 10px 0 0; padding: 6px 10px; border-left: 3px solid var(--red); background: var(--red-bg); border-radius: 4px; }
    .violation strong { color: var(--red); margin-right: 6px; }
    .steps td, .steps th { font-family: var(--mono); font-size: 12px; }
    .steps th { font-family: inherit; }
    .js .steps tbody tr { cursor: pointer; }
    .js .steps tbody tr:hover td { background: var(--panel); }
    .steps tr.current td, .js .steps tr.current:hover td { background: var(--blue-bg); }
    .steps td.changes { color: var(--muted); }
    pre.diagnostics { margin: 0; padding: 12px 14px; border-radius: 8px; background: var(--panel); overflow: auto; line-height: 1.45; }
    footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
    @media (max-width: 900px) { .explore { grid-template-columns: minmax(0, 1fr); } .graph-panel { position: static; } }
    @media print { .stepper, .tabs { display: none !important; } .js .cx { display: block; } }
    """#

    /// Steps through the counterexamples of the `pb-data` JSON. One
    /// function, `select(cx, step)`, shows a step: the tabs, the buttons,
    /// the keyboard (← →), a click on a row of a step table and the URL
    /// fragment (`#cx=1&step=2`, read on load and on `hashchange`) all go
    /// through it, and it writes the fragment back so a reload or a shared
    /// link opens the same step. Text is set with `textContent`, never
    /// parsed as HTML.
    static let script = #"""
    (function () {
      'use strict';
      const traces = JSON.parse(document.getElementById('pb-data').textContent).counterexamples;
      if (traces.length === 0) return;
      document.documentElement.classList.add('js');
      const at = { cx: 0, step: 0 };
      let marked = [];

      function el(tag, cls, text) {
        const e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text !== undefined) e.textContent = text;
        return e;
      }
      const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);
      const stateAt = (t, k) => (k === 0 ? t.initial : t.steps[k - 1]);

      // `old → new` when they differ, else the value alone.
      function change(before, now) {
        const span = el('span');
        if (before === undefined || before === now) { span.textContent = now; return span; }
        span.append(el('del', '', before), el('span', 'arrow', '→'), el('ins', '', now));
        return span;
      }

      function fact(dl, name, value) {
        dl.append(el('dt', '', name));
        const dd = el('dd');
        dd.append(value);
        dl.append(dd);
      }

      function values(o) {
        return Object.keys(o).sort().map((k) => k + ' = ' + o[k]).join(', ');
      }

      function stepView(cx, k) {
        const now = stateAt(cx, k), before = k > 0 ? stateAt(cx, k - 1) : undefined;
        const view = document.createDocumentFragment();
        const head = el('p', 'step-head');
        const facts = el('dl', 'facts');
        if (k === 0) {
          head.append(el('span', 'kicker', 'initial state'), el('code', '', now.state));
          fact(facts, 'state', now.state);
        } else {
          const s = cx.steps[k - 1];
          head.append(el('span', 'kicker', 'step ' + k), el('code', 'transition', s.transition), ' on event ', el('code', '', s.event));
          fact(facts, 'state', change(before.state, now.state));
          if (Object.keys(s.params).length) fact(facts, 'params', values(s.params));
          if (Object.keys(s.observations).length) fact(facts, 'observations', values(s.observations));
          if (Object.keys(s.chosen).length) fact(facts, 'chosen', values(s.chosen));
        }
        view.append(head, facts);
        const names = Object.keys(now.vars).sort();
        if (names.length) {
          const table = el('table', 'vars');
          const header = el('tr');
          header.append(el('th', '', 'variable'), el('th', '', before ? 'value (changed since the previous step: old → new)' : 'value'));
          const thead = el('thead');
          thead.append(header);
          table.append(thead);
          const body = table.appendChild(el('tbody'));
          for (const name of names) {
            const old = before ? before.vars[name] : undefined;
            const row = el('tr', old !== undefined && old !== now.vars[name] ? 'changed' : '');
            const cell = el('td');
            cell.append(change(old, now.vars[name]));
            row.append(el('td', 'mono', name), cell);
            body.append(row);
          }
          view.append(table);
        }
        if (k === cx.steps.length) {
          const note = el('p', 'violation');
          note.append(el('strong', '', 'violated here'), cx.property + (cx.detail ? ': ' + cx.detail : ''));
          view.append(note);
        }
        return view;
      }

      // The step's transition and the state it reached are `current`; the
      // states and transitions before it, `trail`.
      function highlight(t, k) {
        for (const e of marked) e.classList.remove('current', 'trail');
        marked = [];
        const mark = (id, cls) => {
          const e = document.getElementById(id);
          if (e) { e.classList.add(cls); marked.push(e); }
        };
        for (let i = 0; i <= k; i++) {
          const cls = i === k ? 'current' : 'trail';
          if (i > 0) mark('edge:' + stateAt(t, i - 1).state + ':' + t.steps[i - 1].transition, cls);
          mark('state:' + stateAt(t, i).state, cls);
        }
      }

      function caption(cx, k) {
        const text = cx.property + ' — step ' + k + ' of ' + cx.steps.length + ': ';
        return text + (k === 0 ? 'initial state ' + cx.initial.state
          : cx.steps[k - 1].transition + ' (' + stateAt(cx, k - 1).state + ' → ' + cx.steps[k - 1].state + ')');
      }

      function select(cx, step) {
        at.cx = clamp(cx | 0, 0, traces.length - 1);
        const t = traces[at.cx];
        at.step = clamp(step | 0, 0, t.steps.length);
        for (const tab of document.querySelectorAll('.cx-tab')) {
          const on = Number(tab.dataset.cx) === at.cx;
          tab.classList.toggle('active', on);
          tab.setAttribute('aria-selected', String(on));
        }
        for (const article of document.querySelectorAll('article.cx')) {
          article.classList.toggle('active', Number(article.dataset.cx) === at.cx);
        }
        const article = document.getElementById('cx-' + at.cx);
        article.querySelector('.indicator').textContent = 'step ' + at.step + ' of ' + t.steps.length;
        article.querySelector('.prev').disabled = at.step === 0;
        article.querySelector('.next').disabled = at.step === t.steps.length;
        article.querySelector('.step-view').replaceChildren(stepView(traces[at.cx], at.step));
        for (const row of article.querySelectorAll('.steps tbody tr')) {
          row.classList.toggle('current', Number(row.dataset.step) === at.step);
        }
        highlight(t, at.step);
        const cap = document.getElementById('graph-caption');
        if (cap) cap.textContent = caption(traces[at.cx], at.step);
        history.replaceState(null, '', '#cx=' + at.cx + '&step=' + at.step);
      }

      function fromFragment() {
        const q = new URLSearchParams(location.hash.slice(1));
        select(Number(q.get('cx')) || 0, Number(q.get('step')) || 0);
      }

      for (const tab of document.querySelectorAll('.cx-tab')) {
        tab.addEventListener('click', () => select(Number(tab.dataset.cx), 0));
      }
      for (const article of document.querySelectorAll('article.cx')) {
        const cx = Number(article.dataset.cx);
        article.querySelector('.prev').addEventListener('click', () => select(cx, at.step - 1));
        article.querySelector('.next').addEventListener('click', () => select(cx, at.step + 1));
        for (const row of article.querySelectorAll('.steps tbody tr')) {
          row.addEventListener('click', () => select(cx, Number(row.dataset.step)));
        }
      }
      document.addEventListener('keydown', (e) => {
        if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
        const d = e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : 0;
        if (d === 0) return;
        e.preventDefault();
        select(at.cx, at.step + d);
      });
      window.addEventListener('hashchange', () => {
        fromFragment();
        document.getElementById('explore').scrollIntoView();
      });
      fromFragment();
    })();
    """#
}
