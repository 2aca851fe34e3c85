// Certificates for the TLS tests, made by the project's own scripts/make-cert.sh: a CA, a
// server certificate for localhost and 127.0.0.1, and a client certificate.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..', '..');

// Makes a fresh set in dir (a new temporary folder by default); returns the paths and the
// CA's PEM (for a client's `ca` option).
function makeCerts(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-certs-'))) {
  execFileSync(path.join(ROOT, 'scripts', 'make-cert.sh'), [dir], { stdio: 'ignore' });
  const file = (name) => path.join(dir, name);
  return {
    dir,
    cert: file('cert.pem'),
    key: file('key.pem'),
    caFile: file('ca.pem'),
    ca: fs.readFileSync(file('ca.pem')),
    clientCert: fs.readFileSync(file('client.pem')),
    clientKey: fs.readFileSync(file('client-key.pem')),
    // The environment that turns TLS on with this set.
    env: { SWITCHBOARD_TLS_CERT: file('cert.pem'), SWITCHBOARD_TLS_KEY: file('key.pem') },
  };
}

module.exports = { makeCerts };
