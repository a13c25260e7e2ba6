// devrun's page script: served by the reload proxy, put into every HTML page it forwards.
// It follows devrun's event stream; each event is the whole state, so a missed event or a
// reconnect never leaves the page wrong.
(() => {
  const me = document.currentScript;
  const session = me.dataset.session;
  let gen = Number(me.dataset.gen);
  let overlay = null;
  let dismissed = '';

  function connect() {
    const es = new EventSource('/__devrun/events');
    es.onopen = () => { window.__devrunConnected = true; }; // for tests and curious users
    es.onmessage = (m) => handle(JSON.parse(m.data));
    // EventSource retries by itself after a dropped connection, but gives up after an HTTP
    // error (devrun restarting behind another proxy, say): then start over.
    es.onerror = () => {
      window.__devrunConnected = false;
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 500);
    };
  }

  function handle(st) {
    if (st.phase === 'failed' || st.phase === 'crashed') {
      show(st);
      return;
    }
    if (st.phase !== 'ready') return;
    if (st.session === session && st.gen === gen) {
      hide();
      return;
    }
    if (st.session === session && st.gen === gen + 1 && st.styles) {
      gen = st.gen;
      swapStyles();
      hide();
      return;
    }
    location.reload();
  }

  // swapStyles loads each same-origin stylesheet again and drops the old one once the new one
  // applies, so the page never shows unstyled.
  function swapStyles() {
    const stamp = String(Date.now());
    for (const link of document.querySelectorAll('link[rel~="stylesheet"][href]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      url.searchParams.set('devrun', stamp);
      const next = link.cloneNode();
      next.href = url.href;
      next.onload = next.onerror = () => link.remove();
      link.after(next);
    }
  }

  function show(st) {
    const key = st.gen + '|' + st.title + '|' + st.output;
    if (key === dismissed || (overlay && overlay.dataset.key === key)) return;
    hide();
    overlay = document.createElement('div');
    overlay.id = '__devrun_overlay';
    overlay.dataset.key = key;
    overlay.setAttribute('role', 'alertdialog');
    overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;overflow:auto;' +
      'background:rgba(20,20,24,.94);color:#eee;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:24px';
    const close = document.createElement('button');
    close.textContent = '×';
    close.title = 'Dismiss (Esc)';
    close.style.cssText = 'position:fixed;top:12px;right:16px;font-size:24px;background:none;border:0;color:#eee;cursor:pointer';
    close.onclick = () => {
      dismissed = key;
      hide();
    };
    const title = document.createElement('div');
    title.textContent = 'devrun: ' + st.title;
    title.style.cssText = 'color:#ff6b6b;font-weight:bold;font-size:16px;margin-bottom:12px';
    const pre = document.createElement('pre');
    pre.style.cssText = 'margin:0;white-space:pre-wrap;word-break:break-word';
    // Text nodes only: the output is shown, never interpreted as HTML.
    const place = /((?:[A-Za-z]:)?[\w.\/\\-]+\.\w+:\d+(?::\d+)?)/g;
    let last = 0;
    for (const m of st.output.matchAll(place)) {
      pre.append(st.output.slice(last, m.index));
      const b = document.createElement('b');
      b.style.color = '#ffd166';
      b.textContent = m[0];
      pre.append(b);
      last = m.index + m[0].length;
    }
    pre.append(st.output.slice(last));
    overlay.append(close, title, pre);
    document.body.append(overlay);
  }

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && overlay) overlay.querySelector('button').click();
  });
  connect();
})();
