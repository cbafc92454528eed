// Starts the CivicLink GraphQL playground.
//
// This file is served from the binary (playground/assets/boot.js) rather than
// written inline in the page, so the page's Content-Security-Policy can limit
// scripts to 'self'. Its data comes from two JSON blocks that the Go handler
// renders into the page and that the browser never executes:
//   #civiclink-config    {"endpoint": "/graphql"}
//   #civiclink-examples  [{"name": ..., "query": ..., "variables": ...}, ...]
//
// Above GraphiQL, a "Headers for every tab" bar takes one token or API key (and
// an optional purpose): every request of every tab carries them, the schema
// introspection behind the docs pane included, and WebSocket subscriptions send
// them in connection_init. A tab's own Headers editor can still add or override
// headers for that tab. The bar's values are kept in local storage.
(function () {
  'use strict';

  function readJSON(id, fallback) {
    var el = document.getElementById(id);
    if (!el) {
      return fallback;
    }
    try {
      return JSON.parse(el.textContent);
    } catch (err) {
      console.error('CivicLink playground: cannot parse #' + id, err);
      return fallback;
    }
  }

  function showError(message) {
    var root = document.getElementById('graphiql');
    var p = document.createElement('p');
    p.className = 'civiclink-loading';
    p.textContent = message;
    root.replaceChildren(p);
  }

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    showError('The CivicLink playground could not load GraphiQL.');
    return;
  }

  var h = React.createElement;
  var config = readJSON('civiclink-config', {}) || {};
  var examples = readJSON('civiclink-examples', []);
  if (!Array.isArray(examples)) {
    examples = [];
  }
  var endpoint = typeof config.endpoint === 'string' ? config.endpoint : '/graphql';
  var wsScheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';

  // ---- headers shared by every tab ----

  var SHARED_KEY = 'civiclink-playground:shared-headers';

  function loadShared() {
    try {
      var v = JSON.parse(window.localStorage.getItem(SHARED_KEY) || '{}') || {};
      return { credential: String(v.credential || ''), purpose: String(v.purpose || '') };
    } catch (err) {
      return { credential: '', purpose: '' };
    }
  }

  function saveShared(s) {
    try {
      window.localStorage.setItem(SHARED_KEY, JSON.stringify(s));
    } catch (err) {
      // Local storage may be disabled; the values then last for this page.
    }
  }

  // sharedHeaders turns the bar's values into headers: an API key (clk_…) goes in
  // X-API-Key, anything else is a bearer token ("Bearer " is optional).
  function sharedHeaders(s) {
    var headers = {};
    var credential = s.credential.trim().replace(/^bearer\s+/i, '');
    if (/^clk_/.test(credential)) {
      headers['X-API-Key'] = credential;
    } else if (credential) {
      headers.Authorization = 'Bearer ' + credential;
    }
    if (s.purpose.trim()) {
      headers['X-Civiclink-Purpose'] = s.purpose.trim();
    }
    return headers;
  }

  // currentOperationName returns the operation name to send with query. GraphiQL
  // refreshes the query editor's operation name only in a change handler it
  // debounces by 100 ms, so a run soon after switching tabs (or pasting a query)
  // sends the previous tab's operation name with the new tab's query, and the
  // server answers "operation … not found". The name sent is kept when the query
  // defines it; otherwise a query with one operation sends that operation's name
  // (null when it is anonymous), and any other query is sent as GraphiQL built it.
  function currentOperationName(query, name) {
    if (!name || !GraphiQL.GraphQL || typeof query !== 'string') {
      return name;
    }
    var ops;
    try {
      ops = GraphiQL.GraphQL.parse(query).definitions.filter(function (d) {
        return d.kind === 'OperationDefinition';
      });
    } catch (err) {
      return name; // the server reports the syntax error
    }
    var names = ops.map(function (d) { return d.name ? d.name.value : null; });
    if (names.indexOf(name) >= 0 || ops.length !== 1) {
      return name;
    }
    return names[0];
  }

  function makeFetcher(headers) {
    var send = GraphiQL.createFetcher({
      url: window.location.origin + endpoint,
      headers: headers,
      // graphql-transport-ws; the socket is opened only when a subscription runs,
      // and authenticates with the same headers in connection_init.
      subscriptionUrl: wsScheme + window.location.host + endpoint,
      wsConnectionParams: headers,
    });
    var fetcher = function (params, opts) {
      if (params && params.operationName) {
        params = Object.assign({}, params, { operationName: currentOperationName(params.query, params.operationName) });
      }
      return send(params, opts);
    };
    // The chart view (chart.js) sees every answer.
    if (window.CivicLinkChart) {
      fetcher = CivicLinkChart.wrapFetcher(fetcher);
    }
    return fetcher;
  }

  // ---- GraphiQL ----

  // Keep this playground's tabs and settings apart from any other GraphiQL
  // served from the same origin.
  var storage = GraphiQL.createLocalStorage({ namespace: 'civiclink-playground' });
  var hasSavedTabs = false;
  try {
    hasSavedTabs = storage.getItem('graphiql:tabState') !== null;
  } catch (err) {
    // Local storage may be disabled; GraphiQL then starts from the defaults.
  }

  var props = {
    storage: storage,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    // Open the variables pane so each example's default variables are in view.
    defaultEditorToolsVisibility: 'variables',
    plugins: [],
  };

  if (examples.length > 0) {
    // Each example opens as a tab; the first is the active one. GraphiQL uses
    // these only while it has no tabs saved in local storage.
    props.defaultQuery = examples[0].query;
    props.defaultTabs = examples.map(function (ex) {
      return { query: ex.query, variables: ex.variables || null };
    });
    // GraphiQL 4 fills the first tab's query editor from defaultTabs but not
    // its variables editor, so pass the first example's variables as the
    // initial value. Only on a first visit: once tabs are saved, GraphiQL
    // restores them (and their variables) itself.
    if (!hasSavedTabs && examples[0].variables) {
      props.variables = examples[0].variables;
    }
  }

  if (window.GraphiQLPluginExplorer && typeof GraphiQLPluginExplorer.explorerPlugin === 'function') {
    props.plugins.push(GraphiQLPluginExplorer.explorerPlugin());
  }

  function describe(headers) {
    if (headers['X-API-Key']) {
      return 'every tab sends X-API-Key' + (headers['X-Civiclink-Purpose'] ? ' and X-Civiclink-Purpose' : '');
    }
    if (headers.Authorization) {
      return 'every tab sends Authorization: Bearer …' + (headers['X-Civiclink-Purpose'] ? ' and X-Civiclink-Purpose' : '');
    }
    return 'no credentials yet: the docs load, queries need a token (make run prints one per role)';
  }

  // Playground is the headers bar above GraphiQL. Edits apply on Enter, on
  // "Apply" and when a field loses focus, so typing does not refetch the schema
  // at every keystroke.
  function Playground() {
    var applied = React.useState(loadShared);
    var draft = React.useState(applied[0]);
    var key = JSON.stringify(sharedHeaders(applied[0]));
    var fetcher = React.useMemo(function () {
      return makeFetcher(JSON.parse(key));
    }, [key]);

    function apply() {
      saveShared(draft[0]);
      applied[1](draft[0]);
    }
    function field(name, label, attrs) {
      return h('label', { className: 'civiclink-field' }, label, h('input', Object.assign({
        id: 'civiclink-' + name,
        value: draft[0][name],
        autoComplete: 'off',
        spellCheck: false,
        onChange: function (ev) {
          var next = Object.assign({}, draft[0]);
          next[name] = ev.target.value;
          draft[1](next);
        },
        onBlur: apply,
      }, attrs)));
    }
    return h('div', { className: 'civiclink-shell' },
      h('form', {
        className: 'civiclink-headers',
        'aria-label': 'Headers for every tab',
        onSubmit: function (ev) {
          ev.preventDefault();
          apply();
        },
      },
        h('strong', null, 'Headers for every tab'),
        field('credential', 'Token or API key', { type: 'password', placeholder: 'eyJ… (a token make run printed) or clk_… (an API key)' }),
        field('purpose', 'Purpose', { placeholder: 'e.g. case J2026-010643 (to read personal data)' }),
        h('button', { type: 'submit', className: 'civiclink-apply' }, 'Apply'),
        h('span', { className: 'civiclink-headers-state', id: 'civiclink-headers-state' }, describe(JSON.parse(key)))),
      h('div', { className: 'civiclink-graphiql' }, h(GraphiQL, Object.assign({}, props, { fetcher: fetcher }))));
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(h(Playground));
})();
