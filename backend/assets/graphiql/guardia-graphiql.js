// Starts GraphiQL on GUARDiA's playground page. It is a file, not an inline script, so the
// page's Content-Security-Policy can allow scripts from this server only.
(function () {
  'use strict';
  var http = window.location.origin;
  var ws = http.replace(/^http/, 'ws');
  var help = [
    '# GUARDiA ITSM API playground.',
    '#',
    '# 1. Sign in (no token needed for this one):',
    '#    mutation { login(email: "you@example.com", password: "...") { token } }',
    '# 2. Put the token in the Headers tab below:',
    '#    { "Authorization": "Bearer <token>" }',
    '#    Queries, mutations and subscriptions then run as you; the schema explorer',
    '#    needs the token in production.',
    '',
    '{',
    '  me {',
    '    name',
    '    role',
    '    tenant { code name }',
    '  }',
    '}',
    ''
  ].join('\n');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({
        url: http + '/graphql',
        subscriptionUrl: ws + '/graphql/ws'
      }),
      defaultQuery: help,
      defaultEditorToolsVisibility: true
    })
  );
})();
