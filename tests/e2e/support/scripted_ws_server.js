// A WebSocket server whose every answer a test scripts, for the client behaviours a real
// server does not show on demand: a connection that goes silent, a retryable refusal with
// retryAfter, a RATE_LIMITED answer that later succeeds. Text frames only, small messages.
'use strict';
const net = require('net');
const crypto = require('crypto');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode, payload) {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]);
  return Buffer.concat([head, payload]);
}

// Reads the complete masked client frames at the start of buf: { texts, rest }.
function readFrames(buf) {
  const texts = [];
  for (;;) {
    if (buf.length < 2) break;
    const len7 = buf[1] & 127;
    const at = len7 === 126 ? 4 : 2;
    if (buf.length < at) break;
    const size = len7 === 126 ? buf.readUInt16BE(2) : len7;
    if (buf.length < at + 4 + size) break;
    const mask = buf.subarray(at, at + 4);
    const body = Buffer.from(buf.subarray(at + 4, at + 4 + size).map((b, i) => b ^ mask[i % 4]));
    if ((buf[0] & 15) === 1) texts.push(body.toString());
    buf = buf.subarray(at + 4 + size);
  }
  return { texts, rest: buf };
}

// Resolves to { port, close() }. onConnection({ send(message), close(code), onMessage(fn) })
// runs for each upgraded connection.
function startScriptedServer(onConnection) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (request) => {
      const key = /Sec-WebSocket-Key: (.*)\r\n/i.exec(request.toString())[1];
      const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
      let pending = Buffer.alloc(0);
      let handler = () => {};
      socket.on('data', (chunk) => {
        const { texts, rest } = readFrames(Buffer.concat([pending, chunk]));
        pending = rest;
        for (const text of texts) handler(JSON.parse(text));
      });
      onConnection({
        send: (m) => socket.write(frame(1, Buffer.from(JSON.stringify(m)))),
        close: (code) => socket.end(frame(8, Buffer.from([code >> 8, code & 255]))),
        onMessage: (fn) => { handler = fn; },
      });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    close: () => new Promise((done) => server.close(done)),
  })));
}

module.exports = { startScriptedServer };
