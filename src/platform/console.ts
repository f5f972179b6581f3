/**
 * The web console (web/, built by Vite into web/dist) served by the platform itself at `/`.
 * Hashed assets are cached for good; index.html never, so a new build is seen at once. Any other
 * GET that is not API is a console route (the console routes in the browser) and gets index.html.
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.ts';

export const CONSOLE_DIST = path.resolve(import.meta.dirname, '../../web/dist');

/** API, docs and built assets never fall back to index.html: a missing one is a 404 its client can read. */
const NOT_CONSOLE = /^\/(api|docs|healthz|assets)(\/|$)/i;

/** The path as a router might read it: percent-decoded, `//` collapsed (`//api/v1/x` and `/api%2fv1/x` are API paths too). */
function pathOf(url: string): string {
  const raw = url.split('?')[0];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // a malformed escape: judged as sent
  }
  return decoded.replace(/[\\/]+/g, '/');
}

export async function serveConsole(http: FastifyInstance, dist = CONSOLE_DIST): Promise<void> {
  const built = fs.existsSync(path.join(dist, 'index.html'));
  if (built) {
    await http.register(fastifyStatic, {
      root: dist,
      prefix: '/',
      index: 'index.html',
      cacheControl: false,
      wildcard: true,
      schemaHide: true,
      setHeaders(res, file) {
        res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  http.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0];
    const route = pathOf(req.url);
    if ((req.method === 'GET' || req.method === 'HEAD') && !NOT_CONSOLE.test(route) && !path.extname(route)) {
      if (built) return reply.header('cache-control', 'no-cache').sendFile('index.html');
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The web console is not built: run `npm run build:web` (npm start builds it when missing).\n控制台尚未构建：请运行 npm run build:web。\n');
    }
    return reply.status(404).send(new AppError('NOT_FOUND', `No route ${req.method} ${url}.`).toJSON());
  });
}
