// Restarts without refused connections, in Node: `devrun --listen :8080 server.js` (add --overlap
// to start the new server before the old one stops); devrun holds port 8080 and hands it over as fd 3.
//
// The one line that matters is server.listen(inherited ? {fd: 3} : port): under devrun
// --listen (systemd's socket-activation convention: LISTEN_FDS, LISTEN_PID) the server
// accepts on the socket devrun opened once, so connections made while it restarts wait in
// the kernel's queue instead of being refused; alone (`node server.js`) it listens on PORT
// (default 8080) itself. process.send('ready') tells devrun it serves (what --overlap waits for).
'use strict';

const http = require('http');

// The inherited socket is ours when LISTEN_FDS is set and LISTEN_PID, if set, is our pid
// (a wrapper such as `npm start` would make them its own, not ours).
const inherited = Number(process.env.LISTEN_FDS) >= 1 &&
  (!process.env.LISTEN_PID || Number(process.env.LISTEN_PID) === process.pid);
// Our own subprocesses must not take the socket for theirs.
delete process.env.LISTEN_FDS;
delete process.env.LISTEN_FDNAMES;
delete process.env.LISTEN_PID;

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`hello from node (pid ${process.pid})\n`);
});

server.listen(inherited ? { fd: 3 } : Number(process.env.PORT || 8080), () => {
  const a = server.address();
  const where = typeof a === 'string' ? a : `${a.address}:${a.port}`;
  console.log(`listening on ${where}${inherited ? ' (socket held by devrun)' : ''}`);
  if (typeof process.send === 'function') process.send('ready');
});

// On the stop signal, finish the requests in progress, then exit. The socket stays open in
// devrun, so connections that arrive meanwhile wait for the next generation.
function stop() {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// devrun gone (its channel closed): go with it rather than linger.
process.on('disconnect', () => process.exit(0));
