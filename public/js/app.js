// Islands only: small initialisers that htmx runs on every swapped-in fragment.
(function () {
  'use strict';

  // Toasts: success messages fade on their own; errors stay until dismissed.
  function initToasts(root) {
    root.querySelectorAll('.toast').forEach(function (toast) {
      var close = toast.querySelector('[data-dismiss]');
      if (close) close.addEventListener('click', function () { toast.remove(); });
      var ms = Number(toast.getAttribute('data-autodismiss'));
      if (ms) setTimeout(function () { toast.remove(); }, ms);
    });
  }

  // "/" focuses the header's global search on every page, as in most web apps.
  document.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    var el = document.activeElement;
    var tag = (el && el.tagName) || '';
    if (/INPUT|TEXTAREA|SELECT/.test(tag) || (el && el.isContentEditable)) return;
    var box = document.getElementById('global-q');
    if (box && !box.disabled) { e.preventDefault(); box.focus(); box.select(); }
  });

  // Menus (the account menu, a card's Move to…, the phone menu) close on Escape and on a click
  // elsewhere; Escape gives focus back to the button that opened them.
  function syncNav() {
    var box = document.getElementById('nav-toggle');
    var button = document.querySelector('.menu-button');
    if (!box || !button) return;
    button.setAttribute('aria-expanded', box.checked ? 'true' : 'false');
    button.setAttribute('aria-label', box.checked ? 'Close menu' : 'Open menu');
  }
  function closeNav(returnFocus) {
    var box = document.getElementById('nav-toggle');
    if (!box || !box.checked) return false;
    box.checked = false;
    syncNav();
    if (returnFocus) { var b = document.querySelector('.menu-button'); if (b) b.focus(); }
    return true;
  }
  function openNav() {
    var box = document.getElementById('nav-toggle');
    if (!box) return;
    box.checked = true;
    syncNav();
    var first = document.querySelector('#sidebar a');
    // The sidebar slides in; focus its first link once it is visible (and so focusable).
    if (first) setTimeout(function () { first.focus(); }, 30);
  }
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    var open = document.querySelector('details[data-menu][open], details.move-menu[open]');
    if (open) {
      open.removeAttribute('open');
      var summary = open.querySelector('summary');
      if (summary) summary.focus();
      return;
    }
    closeNav(true);
  });
  document.addEventListener('click', function (e) {
    document.querySelectorAll('details[data-menu][open]').forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute('open');
    });
    var b = e.target.closest && e.target.closest('.menu-button, .nav-scrim');
    var box = document.getElementById('nav-toggle');
    if (b) {
      // The phone menu's button is a label (it works without script); here it also moves focus.
      e.preventDefault();
      if (box && box.checked) closeNav(false); else if (b.classList.contains('menu-button')) openNav();
      return;
    }
    var nav = document.getElementById('sidebar');
    if (box && box.checked && nav && !nav.contains(e.target)) closeNav(false);
  });
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (t && t.classList && t.classList.contains('menu-button') && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      var box = document.getElementById('nav-toggle');
      if (box && box.checked) closeNav(true); else openNav();
    }
  });

  // Export links follow the filters typed on the page (the URL htmx keeps current).
  function followFilters() {
    var q = new URLSearchParams(window.location.search);
    q.delete('page');
    document.querySelectorAll('a[data-follows-filters]').forEach(function (a) {
      var u = new URL(a.getAttribute('href'), window.location.href);
      var s = q.toString();
      a.setAttribute('href', u.pathname + (s ? '?' + s : ''));
    });
  }
  document.addEventListener('htmx:pushedIntoHistory', followFilters);
  document.addEventListener('htmx:replacedInHistory', followFilters);

  window.Orchard = window.Orchard || { initializers: [] };
  window.Orchard.initializers.push(initToasts);

  // "Find a company" inside a list's filter form refreshes only its select's options: its typing
  // must not also reach the form, which reloads the list on input.
  window.Orchard.initializers.push(function (root) {
    root.querySelectorAll('.filter-search').forEach(function (el) {
      if (el.dataset.quiet) return;
      el.dataset.quiet = '1';
      el.addEventListener('input', function (e) { e.stopPropagation(); });
    });
  });

  function run(root) { window.Orchard.initializers.forEach(function (fn) { fn(root); }); }
  if (window.htmx) {
    window.htmx.onLoad(run);
  } else {
    document.addEventListener('DOMContentLoaded', function () { run(document); });
  }
})();

// Drag to reorder: SortableJS on `.sortable[data-reorder-url]`; the new order is posted as ids.
(function () {
  'use strict';
  function initReorder(root) {
    if (!window.Sortable) return;
    var lists = root.querySelectorAll ? root.querySelectorAll('.sortable[data-reorder-url]') : [];
    lists.forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = '1';
      window.Sortable.create(list, {
        handle: '.drag-handle',
        animation: 150,
        ghostClass: 'drag-ghost',
        onEnd: function () {
          var ids = Array.prototype.map.call(list.querySelectorAll('[data-id]'), function (li) { return li.getAttribute('data-id'); });
          window.htmx.ajax('POST', list.getAttribute('data-reorder-url'), { source: list, values: { ids: ids }, swap: 'none', headers: { 'HX-Target': list.id } });
        },
      });
    });
  }
  window.Orchard.initializers.push(initReorder);
})();

// Pipeline switcher and other selects marked data-autosubmit submit their form on change.
document.addEventListener('change', function (e) {
  var t = e.target;
  if (t && t.matches && t.matches('select[data-autosubmit]') && t.form) t.form.requestSubmit();
});

// The Kanban boards (deals by stage, leads by status), one mechanism: drag a card to another
// column to move the record. The board names its move URL (`data-move-url`, {id} for the card)
// and the field the column's id is sent as (`data-move-field`). The server's answer is the
// truth: a refusal (403, 409, 422) or no answer at all puts the card back where it was.
// Dropping on a lost column asks for the reason first. The board is one tab stop: arrow keys move
// between cards and columns, Tab reaches the focused card's "Move to…".
(function () {
  'use strict';
  var dialog = null;

  function toast(type, message) {
    var area = document.getElementById('flash');
    if (!area) return;
    var el = document.createElement('div');
    el.className = 'toast toast-' + type;
    el.setAttribute('role', type === 'error' ? 'alert' : 'status');
    var text = document.createElement('span');
    text.textContent = message;
    var close = document.createElement('button');
    close.type = 'button';
    close.className = 'toast-close';
    close.setAttribute('aria-label', 'Dismiss');
    close.setAttribute('data-dismiss', '');
    close.textContent = '×';
    close.addEventListener('click', function () { el.remove(); });
    el.appendChild(text);
    el.appendChild(close);
    area.innerHTML = '';
    area.appendChild(el);
  }

  /** A move the server did not make: refused with a 4xx/5xx, or never answered. */
  function refused(detail) {
    var status = detail.xhr ? detail.xhr.status : 0;
    return !detail.successful || status === 0 || status >= 400;
  }

  function putBack(evt) {
    var ref = evt.from.children[evt.oldIndex] || null;
    if (ref === evt.item) return;
    evt.from.insertBefore(evt.item, ref);
  }

  function askLostReason(title) {
    dialog = dialog || document.getElementById('lost-dialog');
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== 'function') return resolve({});
      var form = dialog.querySelector('form');
      form.reset();
      dialog.querySelector('#lost-dialog-deal').textContent = title || '';
      dialog.returnValue = '';
      dialog.addEventListener('close', function onClose() {
        dialog.removeEventListener('close', onClose);
        if (dialog.returnValue !== 'confirm') return resolve(null);
        resolve({ lost_reason_id: form.elements.lost_reason_id.value, lost_reason: form.elements.lost_reason.value });
      });
      dialog.showModal();
      dialog.querySelector('select').focus();
    });
  }

  function move(evt) {
    var card = evt.item;
    var to = evt.to;
    var board = document.getElementById('board');
    var values = { board_assigned_to: board ? board.getAttribute('data-owner') : '' };
    values[board.getAttribute('data-move-field')] = to.getAttribute('data-column-id');
    var ready = to.getAttribute('data-lost') === '1' ? askLostReason(card.getAttribute('data-title')) : Promise.resolve({});
    ready.then(function (extra) {
      if (extra === null) return putBack(evt);
      Object.keys(extra).forEach(function (k) { values[k] = extra[k]; });
      card.addEventListener('htmx:afterRequest', function onDone(e) {
        card.removeEventListener('htmx:afterRequest', onDone);
        if (!refused(e.detail)) return;
        putBack(evt);
        if (!e.detail.xhr || e.detail.xhr.status === 0) toast('error', 'Orchard could not be reached, so the ' + (board.getAttribute('data-noun') || 'card') + ' did not move. Try again in a moment.');
      });
      window.htmx.ajax('POST', board.getAttribute('data-move-url').replace('{id}', card.getAttribute('data-id')), {
        source: card, target: card, swap: 'outerHTML', values: values, headers: { 'HX-Target': card.id },
      });
    });
  }

  // Keyboard: one tab stop for the whole board (roving), arrows between cards and columns.
  function cardsOf(column) { return Array.prototype.slice.call(column.querySelectorAll('.kanban-card')); }
  function columns(board) { return Array.prototype.slice.call(board.querySelectorAll('.board-cards')); }

  function makeCurrent(board, card) {
    board.querySelectorAll('.kanban-card').forEach(function (c) {
      var on = c === card;
      c.querySelectorAll('.card-title, .move-menu > summary').forEach(function (el) { el.tabIndex = on ? 0 : -1; });
    });
    // A column's "More deals…" link is for pages without script; here the column loads as it scrolls.
    board.querySelectorAll('.load-more a').forEach(function (a) { a.tabIndex = -1; });
  }

  function focusCard(board, card) {
    if (!card) return;
    makeCurrent(board, card);
    var link = card.querySelector('.card-title');
    if (link) link.focus();
  }

  function onKey(e) {
    var board = e.currentTarget;
    if (!/^Arrow(Up|Down|Left|Right)$|^Home$|^End$/.test(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (!t.matches('.card-title, .move-menu > summary')) return;
    var card = t.closest('.kanban-card');
    var column = card.closest('.board-cards');
    var list = cardsOf(column);
    var i = list.indexOf(card);
    var next = null;
    if (e.key === 'ArrowDown') next = list[i + 1];
    else if (e.key === 'ArrowUp') next = list[i - 1];
    else if (e.key === 'Home') next = list[0];
    else if (e.key === 'End') next = list[list.length - 1];
    else {
      var cols = columns(board);
      var step = e.key === 'ArrowRight' ? 1 : -1;
      for (var j = cols.indexOf(column) + step; j >= 0 && j < cols.length; j += step) {
        var there = cardsOf(cols[j]);
        if (there.length) { next = there[Math.min(i, there.length - 1)]; break; }
      }
    }
    e.preventDefault();
    if (next) {
      focusCard(board, next);
      next.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  }

  function initBoard(root) {
    if (!root.querySelectorAll) return;
    var board = root.id === 'board' ? root : root.querySelector('#board');
    if (!board) {
      // Cards swapped in later (a moved card, a column's next page) join the roving tab order.
      var mine = document.getElementById('board');
      if (mine && mine.contains(root)) {
        var current = mine.querySelector('.card-title[tabindex="0"]');
        makeCurrent(mine, current ? current.closest('.kanban-card') : mine.querySelector('.kanban-card'));
      }
      return;
    }
    if (board.dataset.ready) return;
    board.dataset.ready = '1';
    makeCurrent(board, board.querySelector('.kanban-card'));
    board.addEventListener('keydown', onKey);
    board.addEventListener('focusin', function (e) {
      var card = e.target.closest && e.target.closest('.kanban-card');
      if (card && e.target.matches('.card-title')) makeCurrent(board, card);
    });
    if (!window.Sortable) return;
    board.querySelectorAll('.sortable-cards').forEach(function (list) {
      window.Sortable.create(list, {
        group: 'board-' + (board.getAttribute('data-pipeline') || board.getAttribute('data-move-field')),
        // Cards the viewer may not move (another rep's deal) are not draggable; their title says why.
        draggable: '.kanban-card[data-movable]',
        // Pointer-driven dragging behaves the same with mouse, pen and touch (native HTML5
        // drag-and-drop does not), and shows the card following the pointer.
        forceFallback: true,
        fallbackTolerance: 4,
        filter: 'summary, select, button, input, label',
        preventOnFilter: false,
        animation: 150,
        ghostClass: 'drag-ghost',
        delayOnTouchOnly: true,
        delay: 200,
        onStart: function () { board.classList.add('dragging'); },
        onMove: function (e) {
          board.querySelectorAll('.drop-target').forEach(function (el) { el.classList.remove('drop-target'); });
          e.to.classList.add('drop-target');
        },
        onEnd: function (evt) {
          board.classList.remove('dragging');
          board.querySelectorAll('.drop-target').forEach(function (el) { el.classList.remove('drop-target'); });
          if (evt.from === evt.to) return putBack(evt);
          move(evt);
        },
      });
    });
  }
  window.Orchard.initializers.push(initBoard);

  // After a move from the keyboard form or a toast's Undo, focus follows the card to its column.
  document.addEventListener('htmx:afterRequest', function (e) {
    var m = /\/(deal|lead)s\/(\d+)\/move$/.exec((e.detail.requestConfig && e.detail.requestConfig.path) || '');
    var board = document.getElementById('board');
    if (!m || !board || refused(e.detail)) return;
    if (e.detail.elt && e.detail.elt.classList && e.detail.elt.classList.contains('kanban-card')) return; // dragged
    setTimeout(function () { focusCard(board, document.getElementById(m[1] + '-' + m[2])); }, 0);
  });
})();

// The header search's dropdown: arrow keys walk its results, Escape or a click elsewhere closes it.
(function () {
  'use strict';
  function results() { return document.getElementById('global-search-results'); }
  function clear() { var r = results(); if (r) r.innerHTML = ''; }
  document.addEventListener('keydown', function (e) {
    var box = document.getElementById('global-q');
    var inBox = e.target === box;
    var inResults = Boolean(e.target.closest && e.target.closest('#global-search-results'));
    if (!inBox && !inResults) return;
    if (e.key === 'Escape') {
      clear();
      if (box) box.focus();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    var r = results();
    var all = r ? Array.prototype.slice.call(r.querySelectorAll('a')) : [];
    if (!all.length) return;
    e.preventDefault();
    if (inBox) return (e.key === 'ArrowDown' ? all[0] : all[all.length - 1]).focus();
    var next = all.indexOf(e.target) + (e.key === 'ArrowDown' ? 1 : -1);
    if (next < 0 || next >= all.length) { if (box) box.focus(); return; }
    all[next].focus();
  });
  document.addEventListener('click', function (e) {
    var box = document.querySelector('.global-search');
    if (box && !box.contains(e.target)) clear();
  });
})();

// Type-to-find picker over a <select data-pick="company|contact|customer"> (views/partials/_field):
// the select stays the form's value (and the whole control without script). Typing narrows the
// loaded options and asks /pick/:kind for more; Enter or a click picks; a multiple select shows
// its choices as removable chips. The select's change event still fires, so htmx triggers hold.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var uid = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function enhance(select) {
    if (select.dataset.picker) return;
    select.dataset.picker = '1';
    var multiple = select.multiple;
    var n = ++uid;
    var box = el('div', 'picker');
    var chips = el('ul', 'picker-chips');
    var input = el('input', 'picker-input');
    var list = el('ul', 'picker-list');
    var status = el('span', 'visually-hidden');
    status.setAttribute('aria-live', 'polite');
    input.type = 'text';
    input.autocomplete = 'off';
    input.id = select.id + '-find';
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', 'picker-list-' + n);
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (label) label.setAttribute('for', input.id);
    if (select.getAttribute('aria-describedby')) input.setAttribute('aria-describedby', select.getAttribute('aria-describedby'));
    if (select.getAttribute('aria-invalid')) input.setAttribute('aria-invalid', 'true');
    input.placeholder = multiple ? 'Type a name to add…' : 'Type to find…';
    list.id = 'picker-list-' + n;
    list.setAttribute('role', 'listbox');
    if (multiple) list.setAttribute('aria-multiselectable', 'true');
    list.hidden = true;
    box.appendChild(chips);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(status);
    select.hidden = true;
    select.setAttribute('tabindex', '-1');
    select.parentNode.insertBefore(box, select.nextSibling);

    var active = -1;
    var shown = [];
    var timer = null;
    var asked = 0;

    function options() {
      return Array.prototype.filter.call(select.options, function (o) { return o.value !== ''; });
    }

    function renderChips() {
      chips.innerHTML = '';
      options().filter(function (o) { return o.selected; }).forEach(function (o) {
        var li = el('li', 'picker-chip');
        li.appendChild(el('span', '', o.textContent));
        var x = el('button', 'picker-remove', '×');
        x.type = 'button';
        x.setAttribute('aria-label', 'Remove ' + o.textContent);
        x.addEventListener('click', function () { choose(o, false); input.focus(); });
        li.appendChild(x);
        chips.appendChild(li);
      });
      box.classList.toggle('has-value', chips.children.length > 0);
    }

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) { li.classList.toggle('active', j === i); li.setAttribute('aria-selected', j === i ? 'true' : 'false'); });
      if (i >= 0 && list.children[i]) {
        input.setAttribute('aria-activedescendant', list.children[i].id);
        list.children[i].scrollIntoView({ block: 'nearest' });
      }
    }

    function render() {
      var term = input.value.trim().toLowerCase();
      shown = options().filter(function (o) { return !(multiple && o.selected) && (!term || o.textContent.toLowerCase().indexOf(term) !== -1); }).slice(0, 50);
      list.innerHTML = '';
      shown.forEach(function (o, i) {
        var li = el('li', 'picker-option', o.textContent);
        li.id = list.id + '-' + i;
        li.setAttribute('role', 'option');
        li.addEventListener('mousedown', function (e) { e.preventDefault(); });
        li.addEventListener('click', function () { choose(o, true); });
        list.appendChild(li);
      });
      if (!shown.length) list.appendChild(el('li', 'picker-empty', term ? 'Nothing matches “' + input.value.trim() + '”.' : 'Nothing to choose yet.'));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      highlight(shown.length && term ? 0 : -1);
      status.textContent = shown.length ? shown.length + ' to choose from' : 'No matches';
    }

    function choose(o, on) {
      if (multiple) {
        o.selected = on;
      } else {
        options().forEach(function (x) { x.selected = false; });
        if (on) o.selected = true;
        else if (select.options[0] && select.options[0].value === '') select.options[0].selected = true;
      }
      input.value = '';
      renderChips();
      close();
      select.dispatchEvent(new Event('change', { bubbles: true }));
    }

    function ask() {
      var term = input.value.trim();
      if (!term) return;
      var url = '/pick/' + select.getAttribute('data-pick') + '?q=' + encodeURIComponent(term);
      var company = select.getAttribute('data-pick-company') && document.querySelector(select.getAttribute('data-pick-company'));
      if (company && company.value) url += '&company_id=' + encodeURIComponent(company.value);
      var mine = ++asked;
      fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) {
          if (mine !== asked) return;
          var have = {};
          options().forEach(function (o) { have[o.value] = true; });
          found.forEach(function (f) {
            if (have[String(f.value)]) return;
            var o = document.createElement('option');
            o.value = String(f.value);
            o.textContent = f.label;
            select.appendChild(o);
          });
          if (document.activeElement === input) render();
        })
        .catch(function () { /* the loaded options still work */ });
    }

    input.addEventListener('input', function () {
      render();
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener('click', render);
    input.addEventListener('blur', function () { setTimeout(close, 100); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (list.hidden) render();
        if (!shown.length) return;
        var next = e.key === 'ArrowDown' ? Math.min(active + 1, shown.length - 1) : Math.max(active - 1, 0);
        highlight(next);
      } else if (e.key === 'Enter') {
        if (!list.hidden && active >= 0 && shown[active]) {
          e.preventDefault();
          choose(shown[active], true);
        } else if (!list.hidden) {
          e.preventDefault(); // Enter in a picker never submits the form by accident
        }
      } else if (e.key === 'Escape') {
        if (!list.hidden) { e.preventDefault(); e.stopPropagation(); close(); }
      } else if (e.key === 'Backspace' && !input.value) {
        var picked = options().filter(function (o) { return o.selected; });
        if (picked.length) choose(picked[picked.length - 1], false);
      }
    });
    renderChips();
  }

  window.Orchard.initializers.push(function (root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll('select[data-pick]').forEach(enhance);
  });
})();

// The live bell (SPEC §8): one event stream per tab sends the unread count as it changes. The
// page's own count is the fallback; the browser reconnects by itself after a dropped stream,
// and gives up when the session is gone (the stream then answers with the sign-in page).
(function () {
  'use strict';
  if (!window.EventSource || !document.querySelector('a.bell')) return;
  function show(n) {
    document.querySelectorAll('a.bell').forEach(function (bell) {
      var badge = bell.querySelector('.bell-count');
      bell.setAttribute('aria-label', 'Notifications: ' + (n ? n + ' unread' : 'none unread'));
      bell.setAttribute('data-unread', String(n));
      if (!n) { if (badge) badge.remove(); return; }
      if (!badge) {
        badge = document.createElement('span');
        badge.className = 'bell-count';
        badge.setAttribute('aria-hidden', 'true');
        bell.appendChild(badge);
      }
      badge.textContent = n > 99 ? '99+' : String(n);
    });
  }
  var source = null;
  function connect() {
    source = new EventSource('/events');
    source.addEventListener('unread', function (e) {
      var n = Number(e.data);
      if (n >= 0) show(n);
    });
  }
  connect();
  // Leaving the page closes the stream at once; coming back to it (Back) opens a new one.
  window.addEventListener('pagehide', function () { if (source) source.close(); });
  window.addEventListener('pageshow', function (e) { if (e.persisted) connect(); });
})();

// Read-only fields meant for copying (the calendar feed's address): focus selects it all.
document.addEventListener('focusin', function (e) {
  var el = e.target;
  if (el && el.matches && el.matches('input[data-select-on-focus]')) el.select();
});

// Charts (SPEC §10): a canvas carries its data as JSON in data-chart; Chart.js (served by the app) is loaded
// the first time a page has one — also when a boosted navigation brings the page in. Colours
// are the Okabe–Ito set, told apart by colour-blind readers; money reads in the CRM currency.
(function () {
  'use strict';
  var PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
  var loading = null;
  function loadChartJs() {
    if (window.Chart) return Promise.resolve(window.Chart);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = '/vendor/chart.umd.min.js';
        s.onload = function () { resolve(window.Chart); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loading;
  }
  function draw(canvas, Chart) {
    if (canvas.getAttribute('data-drawn')) return;
    var spec = JSON.parse(canvas.getAttribute('data-chart'));
    var money = new Intl.NumberFormat(undefined, { style: 'currency', currency: spec.currency || 'USD', maximumFractionDigits: 0 });
    var round = spec.type === 'doughnut';
    var datasets = spec.series.map(function (s, i) {
      var colour = round ? spec.labels.map(function (_l, j) { return PALETTE[j % PALETTE.length]; }) : (s.color || PALETTE[i % PALETTE.length]);
      var d = { label: s.label, data: s.data, backgroundColor: colour, borderColor: round ? '#fff' : colour, borderWidth: s.line ? 2 : 1 };
      if (s.line) { d.type = 'line'; d.yAxisID = 'money'; d.tension = 0.25; d.pointRadius = 3; }
      return d;
    });
    // A money line beside counted bars gets its own axis; bars that are all money use the main one.
    var moneyLine = spec.series.some(function (s) { return s.money && s.line; });
    var allMoney = spec.series.every(function (s) { return s.money; });
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      indexAxis: spec.horizontal ? 'y' : 'x',
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: function (ctx) { var s = spec.series[ctx.datasetIndex] || {}; var v = ctx.raw; return (ctx.dataset.label || '') + ': ' + (s.money ? money.format(v) : Number(v).toLocaleString()); } } },
      },
    };
    if (!round) {
      options.scales = { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } };
      if (moneyLine) options.scales.money = { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { callback: function (v) { return money.format(v); } } };
      if (allMoney) options.scales[spec.horizontal ? 'x' : 'y'].ticks = { callback: function (v) { return money.format(v); } };
      if (spec.series.length === 1) options.plugins.legend.display = false;
    }
    canvas.setAttribute('data-drawn', '1');
    new Chart(canvas, { type: round ? 'doughnut' : 'bar', data: { labels: spec.labels, datasets: datasets }, options: options });
  }
  window.Orchard.initializers.push(function (root) {
    if (!root.querySelectorAll) return;
    var canvases = root.querySelectorAll('canvas[data-chart]');
    if (!canvases.length) return;
    loadChartJs().then(function (Chart) { canvases.forEach(function (c) { draw(c, Chart); }); });
  });
})();
