// An upstream that misbehaves the ways a bad day does, for the transport's
// tests: it stands where Gong would and answers Gong's unassign endpoint.
//
//   node hostile_upstream.js --mode=MODE [--cert=FILE --key=FILE]
//
// It prints "listening <port> control <port>" once it accepts connections.
// The control port answers GET / with the number of requests read whole so
// far, so a test counts exactly what reached the upstream, and GET /stats
// with JSON {requests, inFlight, mostInFlight, openConnections,
// mostConnections}. Modes:
//   close-reused    HTTP/1.1: the first request on a connection is answered
//                   (keep-alive); any later one on it is read whole, then
//                   the connection is closed without an answer.
//   refuse-streams  HTTP/2 over TLS: every stream is refused with
//                   RST_STREAM(REFUSED_STREAM) once its request is read.
//   drop-h2         HTTP/2 over TLS: each request is read whole, then the
//                   connection is destroyed without an answer.
//   stall-first     TLS (HTTP/2 or HTTP/1.1): the first TCP connection is
//                   accepted and never answered, not even the handshake;
//                   later ones are served normally.
//   slow            HTTP/1.1: every request is answered after --delay_ms
//                   (default 500), and idle connections are kept for good:
//                   only the client closes them.
//   slow-h2         HTTP/2 over TLS: every request is answered after
//                   --delay_ms (default 500), any number at once on one
//                   connection.
'use strict';

const fs = require('fs');
const http = require('http');
const http2 = require('http2');
const net = require('net');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [key, ...value] = a.replace(/^--/, '').split('=');
  return [key, value.join('=')];
}));

let requests = 0;
function counted() {
  requests += 1;
}

// Requests read but not yet answered, and connections open, with their
// peaks.
const stats = {inFlight: 0, mostInFlight: 0, openConnections: 0, mostConnections: 0};
function track(server) {
  server.on('connection', (socket) => {
    stats.openConnections += 1;
    stats.mostConnections = Math.max(stats.mostConnections, stats.openConnections);
    socket.on('close', () => { stats.openConnections -= 1; });
  });
  return server;
}

// Gong's good answer: every id asked for is unassigned.
function success(body) {
  let ids = [];
  try {
    ids = JSON.parse(body).flowInstanceIds || [];
  } catch (e) { /* not JSON: no ids */ }
  return JSON.stringify({requestId: `hostile-${requests}`, unassignedFlowInstanceIds: ids});
}

function readBody(stream, done) {
  // Resets and refusals are what this upstream is for: never fatal here.
  stream.on('error', () => {});
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => { body += chunk; });
  stream.on('end', () => done(body));
}

function tlsOptions() {
  return {cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key), allowHTTP1: true};
}

// Serves each request with Gong's good answer (HTTP/2 or HTTP/1.1).
function answer(req, res) {
  readBody(req, (body) => {
    counted();
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(success(body));
  });
}

// A server whose sessions' and sockets' errors (peers going away) are not
// fatal.
function quiet(server) {
  server.on('sessionError', () => {});
  server.on('session', (session) => session.on('error', () => {}));
  server.on('tlsClientError', () => {});
  return server;
}

function serve() {
  switch (args.mode) {
    case 'close-reused': {
      return http.createServer((req, res) => {
        const socket = req.socket;
        socket.served = (socket.served || 0) + 1;
        if (socket.served === 1) return answer(req, res);
        readBody(req, () => {
          counted();
          socket.destroy();
        });
      });
    }
    case 'slow': {
      const delay = Number(args.delay_ms || 500);
      const server = http.createServer((req, res) => {
        stats.inFlight += 1;
        stats.mostInFlight = Math.max(stats.mostInFlight, stats.inFlight);
        readBody(req, (body) => {
          counted();
          setTimeout(() => {
            stats.inFlight -= 1;
            res.writeHead(200, {'content-type': 'application/json'});
            res.end(success(body));
          }, delay);
        });
      });
      server.keepAliveTimeout = 0;  // never closes an idle connection itself
      server.requestTimeout = 0;
      server.maxRequestsPerSocket = 0;
      return server;
    }
    case 'slow-h2': {
      const delay = Number(args.delay_ms || 500);
      const server = quiet(http2.createSecureServer({...tlsOptions(), allowHTTP1: false}));
      server.on('stream', (stream) => {
        stats.inFlight += 1;
        stats.mostInFlight = Math.max(stats.mostInFlight, stats.inFlight);
        readBody(stream, (body) => {
          counted();
          setTimeout(() => {
            stats.inFlight -= 1;
            if (stream.destroyed) return;
            stream.respond({':status': 200, 'content-type': 'application/json'});
            stream.end(success(body));
          }, delay);
        });
      });
      return server;
    }
    case 'refuse-streams': {
      const server = quiet(http2.createSecureServer({...tlsOptions(), allowHTTP1: false}));
      server.on('stream', (stream) => {
        readBody(stream, () => {
          counted();
          stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        });
      });
      return server;
    }
    case 'drop-h2': {
      const server = quiet(http2.createSecureServer({...tlsOptions(), allowHTTP1: false}));
      // Node guards an HTTP/2 session's socket; keep the raw ones, by the
      // peer's port, to cut the connection as a crash would (no GOAWAY).
      const sockets = new Map();
      server.on('secureConnection', (socket) => sockets.set(socket.remotePort, socket));
      server.on('stream', (stream) => {
        readBody(stream, () => {
          counted();
          sockets.get(stream.session.socket.remotePort).destroy();
        });
      });
      return server;
    }
    case 'stall-first': {
      const tls = quiet(http2.createSecureServer(tlsOptions(), answer));
      let first = true;
      const held = [];
      return net.createServer((socket) => {
        if (first) {
          first = false;
          held.push(socket);  // accepted, read, never answered
          socket.on('error', () => {});
          socket.resume();
          return;
        }
        tls.emit('connection', socket);
      });
    }
    default:
      throw new Error(`unknown --mode=${args.mode}`);
  }
}

const server = track(serve());
const control = http.createServer((req, res) => {
  res.end(req.url === '/stats' ? JSON.stringify({requests, ...stats}) : String(requests));
});
server.listen(0, '127.0.0.1', () => {
  control.listen(0, '127.0.0.1', () => {
    process.stdout.write(
        `listening ${server.address().port} control ${control.address().port}\n`);
  });
});
