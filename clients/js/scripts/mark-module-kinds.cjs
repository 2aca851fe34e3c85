// Tells Node which kind of module each build folder holds, so that one package serves both
// `import` (dist/esm) and `require` (dist/cjs) without renaming files. Works on the dist
// folder of the package it runs in (clients/vue uses it too).
const fs = require('fs');
const path = require('path');
const dist = path.join(process.cwd(), 'dist');
fs.writeFileSync(path.join(dist, 'esm', 'package.json'), '{ "type": "module" }\n');
fs.writeFileSync(path.join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
