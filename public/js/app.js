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
