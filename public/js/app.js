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

  // "/" focuses the search box, as in most web apps.
  document.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (document.activeElement && document.activeElement.tagName) || '';
    if (/INPUT|TEXTAREA|SELECT/.test(tag) || (document.activeElement && document.activeElement.isContentEditable)) return;
    var box = document.querySelector('[data-search-focus]') || document.getElementById('global-q');
    if (box && !box.disabled) { e.preventDefault(); box.focus(); }
  });

  // Close the account menu when clicking elsewhere.
  document.addEventListener('click', function (e) {
    document.querySelectorAll('details[data-menu][open]').forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute('open');
    });
  });

  // The phone menu toggle is a label; let Enter/Space open it too.
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (t && t.classList && t.classList.contains('menu-button') && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      var box = document.getElementById('nav-toggle');
      if (box) box.checked = !box.checked;
    }
  });

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

// The deals board: drag a card to another column to move the deal. The server's answer is the
// truth; a refusal puts the card back. Dropping on a lost column asks for the reason first.
(function () {
  'use strict';
  var dialog = null;

  function putBack(evt) {
    var ref = evt.from.children[evt.oldIndex] || null;
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
    var values = { stage_id: to.getAttribute('data-stage-id'), board_assigned_to: board ? board.getAttribute('data-owner') : '' };
    var ready = to.getAttribute('data-lost') === '1' ? askLostReason(card.getAttribute('data-title')) : Promise.resolve({});
    ready.then(function (extra) {
      if (extra === null) return putBack(evt);
      Object.keys(extra).forEach(function (k) { values[k] = extra[k]; });
      card.addEventListener('htmx:afterRequest', function onDone(e) {
        card.removeEventListener('htmx:afterRequest', onDone);
        if (!e.detail.successful) putBack(evt);
      });
      window.htmx.ajax('POST', '/deals/' + card.getAttribute('data-id') + '/move', {
        source: card, target: card, swap: 'outerHTML', values: values, headers: { 'HX-Target': card.id },
      });
    });
  }

  function initBoard(root) {
    if (!window.Sortable || !root.querySelectorAll) return;
    var board = root.id === 'board' ? root : root.querySelector('#board');
    if (!board || board.dataset.ready) return;
    board.dataset.ready = '1';
    board.querySelectorAll('.sortable-cards').forEach(function (list) {
      window.Sortable.create(list, {
        group: 'board-' + board.getAttribute('data-pipeline'),
        draggable: '.deal-card',
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
})();

// The header search's dropdown closes on Escape or a click elsewhere.
document.addEventListener('keydown', function (e) {
  if (e.key !== 'Escape') return;
  var results = document.getElementById('global-search-results');
  if (results) results.innerHTML = '';
});
document.addEventListener('click', function (e) {
  var box = document.querySelector('.global-search');
  var results = document.getElementById('global-search-results');
  if (box && results && !box.contains(e.target)) results.innerHTML = '';
});
