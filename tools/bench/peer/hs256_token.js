// The HS256 token check every benchmark peer makes, as a Node application would with the
// shared secret: signature (constant-time compare), then expiry. Returns the claims or null.
'use strict';
const crypto = require('crypto');

function verifier(secret) {
  return (token) => {
    const parts = String(token || '').split('.');
    if (parts.length !== 3) return null;
    const mac = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest('base64url');
    if (mac.length !== parts[2].length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(parts[2]))) return null;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    if (claims.exp && claims.exp < Date.now() / 1000) return null;
    return claims;
  };
}

module.exports = { verifier };
