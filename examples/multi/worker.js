// The Node half of the multi-process example: a worker that takes jobs from the Go web process,
// with no library at all. devrun.toml runs two instances of it (scale = 2); devrun hands each
// call to one of them in turn.
//
//   devrun send -p worker take '{"job":"x"}'   # from a terminal
//   devrun send -p worker status               # calls back into web (Node -> devrun -> Go)
//
// devrun starts a .js target with Node's IPC channel: devrun's JSON-RPC requests arrive through
// process.on('message'), answers leave through process.send(), and the worker's own requests to
// devrun (devrun.call, to reach another process) go out the same way with an id of their own.
'use strict';

const instance = Number(process.env.DEVRUN_INSTANCE || 0);
let taken = 0;

// The methods other processes call: each takes the params and returns the result or a Promise.
const methods = {
  take(params) {
    taken++;
    const job = (params && params.job) || '(none)';
    console.log(`took job ${JSON.stringify(job)} (${taken} so far)`);
    return { instance, pid: process.pid, job, answer: `done: ${job}`, taken };
  },
  // status asks web how many requests it served: a call from a Node handler to a Go one.
  async status() {
    const webHits = await call('devrun.call', { process: 'web', method: 'hits' });
    return { instance, pid: process.pid, taken, web_hits: webHits };
  },
};

if (typeof process.send !== 'function') {
  console.log('not started by devrun: run `devrun` in examples/multi');
  process.exit(1);
}

// Our own requests to devrun, waiting for their answers by id.
let nextId = 1;
const pending = new Map();

function call(method, params) {
  return new Promise((resolve, reject) => {
    const id = `worker-${instance}-${nextId++}`;
    pending.set(id, { resolve, reject });
    process.send({ jsonrpc: '2.0', id, method, params });
  });
}

process.on('message', async (msg) => {
  if (msg === null || typeof msg !== 'object') return;
  if (typeof msg.method !== 'string') {
    // An answer to one of our calls.
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
    else waiter.resolve(msg.result);
    return;
  }
  if (msg.id === undefined) return; // a notification ($/cancelRequest...): no answer
  const method = Object.prototype.hasOwnProperty.call(methods, msg.method) ? methods[msg.method] : null;
  if (!method) {
    reply(msg.id, undefined, { code: -32601, message: `method not found: ${msg.method}` });
    return;
  }
  try {
    const result = await method(msg.params);
    reply(msg.id, result === undefined ? null : result);
  } catch (err) {
    reply(msg.id, undefined, { code: err.code || -32000, message: String(err.message || err) });
  }
});

function reply(id, result, error) {
  process.send(error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result });
}

// Say which methods exist (devrun ls, completion), then that this instance is ready: web
// depends on the worker, so devrun starts web after this.
process.send({ jsonrpc: '2.0', method: 'devrun.hello', params: { protocol: 1, pid: process.pid, methods: Object.keys(methods) } });
process.send('ready');
console.log(`worker ${instance} ready (pid ${process.pid})`);

// devrun closes the channel when it goes away: go with it rather than linger. Without this
// open channel Node would exit at once, as the worker has nothing else to wait for.
process.on('disconnect', () => process.exit(0));
