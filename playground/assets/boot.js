// Starts the CivicLink GraphQL playground.
//
// This file is served from the binary (playground/assets/boot.js) rather than
// written inline in the page, so the page's Content-Security-Policy can limit
// scripts to 'self'. Its data comes from two JSON blocks that the Go handler
// renders into the page and that the browser never executes:
//   #civiclink-config    {"endpoint": "/graphql"}
//   #civiclink-examples  [{"name": ..., "query": ..., "variables": ...}, ...]
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

  var config = readJSON('civiclink-config', {}) || {};
  var examples = readJSON('civiclink-examples', []);
  if (!Array.isArray(examples)) {
    examples = [];
  }
  var endpoint = typeof config.endpoint === 'string' ? config.endpoint : '/graphql';
  var wsScheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';

  var fetcher = GraphiQL.createFetcher({
    url: window.location.origin + endpoint,
    // graphql-transport-ws; the socket is opened only when a subscription runs.
    subscriptionUrl: wsScheme + window.location.host + endpoint,
  });

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
    fetcher: fetcher,
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

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props));
})();
