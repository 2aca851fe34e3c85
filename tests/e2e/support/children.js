// The processes a test file started (servers, redis-server): stopped one by one, or all at
// once by stopAll() in an after() hook, so that a failed test never leaves a process that
// keeps its file from ending; and killed when the test process exits anyway.
'use strict';

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

// Resolves with the exit code once the child has ended (at once if it already had).
function stopChild(child, signal = 'SIGTERM') {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
    child.once('exit', (code) => done(code));
    child.kill(signal);
  });
}

function stopAll() {
  return Promise.all([...live].map((child) => stopChild(child)));
}

module.exports = { track, stopChild, stopAll };
