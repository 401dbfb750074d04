// A small image server written the way a user of sharp would write it: read
// the original from a local folder, resize to fit a box, encode with sharp's
// defaults (JPEG quality given by the request, WebP and AVIF as sharp ships
// them). The benchmark (internal/bench, suite peers) starts it next to easel.
//
//   node server.js <originals dir> <port, 0 for any>
//   GET /<file>?w=300&h=300&f=jpeg&q=80   -> image/jpeg
//   GET /<file>?f=raw                     -> the original bytes
//
// It prints "sharp listening on 127.0.0.1:<port> <sharp version>" once ready.
'use strict';
const http = require('http');
const fs = require('fs/promises');
const path = require('path');
const sharp = require('sharp');

const dir = path.resolve(process.argv[2] || '.');
const port = Number(process.argv[3] || 0);
const types = { jpeg: 'image/jpeg', webp: 'image/webp', avif: 'image/avif', png: 'image/png' };

function fail(res, status, message) {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(message + '\n');
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    const name = path.basename(decodeURIComponent(url.pathname));
    const file = path.join(dir, name);
    const input = await fs.readFile(file);
    const f = url.searchParams.get('f') || 'jpeg';
    if (f === 'raw') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(input);
      return;
    }
    if (!types[f]) return fail(res, 400, 'unknown format');
    const w = Number(url.searchParams.get('w')) || null;
    const h = Number(url.searchParams.get('h')) || null;
    let img = sharp(input).rotate().resize(w, h, { fit: 'inside', withoutEnlargement: true });
    const q = Number(url.searchParams.get('q')) || undefined;
    img = f === 'jpeg' ? img.jpeg({ quality: q }) : f === 'webp' ? img.webp({ quality: q }) : f === 'avif' ? img.avif({ quality: q }) : img.png();
    const out = await img.toBuffer();
    res.writeHead(200, { 'content-type': types[f], 'content-length': out.length });
    res.end(out);
  } catch (err) {
    if (err.code === 'ENOENT') return fail(res, 404, 'not found');
    fail(res, 500, String(err.message || err));
  }
});

server.listen(port, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`sharp listening on 127.0.0.1:${port} ${sharp.versions.sharp} libvips ${sharp.versions.vips}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
