// A Node program that devrun can talk to, with no library at all.
//
//   devrun server.js            # then, from another terminal:
//   devrun send stats
//   devrun send reload '{"reason":"config changed"}'
//
// Its page is templates/index.html. Edit it: devrun hands the change to the
// reload-templates command instead of restarting, so the page changes and the request
// count on it goes on.
//
// devrun starts a .js target with Node's IPC channel (NODE_CHANNEL_FD), so devrun's
// JSON-RPC requests arrive through process.on('message') and the answers leave through
// process.send(). Outside devrun process.send is undefined: the server runs the same,
// without commands.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');

const templateFile = path.join(__dirname, 'templates', 'index.html');
let template = fs.readFileSync(templateFile, 'utf8');
let templateReloads = 0;

const started = Date.now();
let requests = 0;
let reloads = 0;
let greeting = 'hello from node';

// The commands: each takes the request's params and returns the result (or a Promise).
// Throwing answers the caller with an error.
const commands = {
  reload(params) {
    reloads++;
    greeting = `hello from node (reloaded ${reloads}x${params && params.reason ? ': ' + params.reason : ''})`;
    return { reloaded: true, reloads };
  },
  // devrun calls it with {"files": [...]} when a file of templates/ changes (see the
  // "reloads" in devrun.hello below).
  'reload-templates'(params) {
    template = fs.readFileSync(templateFile, 'utf8');
    templateReloads++;
    return { files: params && params.files };
  },
  stats() {
    return {
      pid: process.pid,
      uptimeMs: Date.now() - started,
      requests,
      reloads,
      rssBytes: process.memoryUsage().rss,
    };
  },
};

const server = http.createServer((req, res) => {
  requests++;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(template.replaceAll('{greeting}', greeting).replaceAll('{reloads}', String(templateReloads)).replaceAll('{requests}', String(requests)));
});
server.listen(Number(process.env.PORT || 3000), () => {
  console.log(`listening on :${server.address().port}`);
});

if (typeof process.send !== 'function') {
  console.log('not started by devrun: commands are off (run it with `devrun server.js`)');
} else {
  process.on('message', async (msg) => {
    // Only requests and notifications matter here: devrun's answers to our own calls
    // and other values are ignored.
    if (msg === null || typeof msg !== 'object' || typeof msg.method !== 'string') return;
    const isRequest = msg.id !== undefined;
    const command = Object.prototype.hasOwnProperty.call(commands, msg.method) ? commands[msg.method] : null;
    if (!command) {
      // $/cancelRequest and other notifications need no answer; unknown requests do.
      if (isRequest) reply(msg.id, undefined, { code: -32601, message: `method not found: ${msg.method}` });
      return;
    }
    try {
      const result = await command(msg.params);
      if (isRequest) reply(msg.id, result === undefined ? null : result);
    } catch (err) {
      if (isRequest) reply(msg.id, undefined, { code: -32000, message: String((err && err.message) || err) });
    }
  });

  // Tell devrun which commands exist (`devrun ls`, shell completion), then that we are
  // ready (what --overlap waits for).
  // "reloads" says which files this program takes through a command instead of a restart.
  process.send({
    jsonrpc: '2.0', method: 'devrun.hello',
    params: {
      protocol: 1, pid: process.pid, methods: Object.keys(commands),
      reloads: [{ files: ['templates/**'], method: 'reload-templates' }],
    },
  });
  process.send('ready');

  // The channel closes when devrun goes away: go with it rather than linger.
  process.on('disconnect', () => process.exit(0));
}

function reply(id, result, error) {
  const msg = error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result };
  process.send(msg);
}
