/** Statistics over HTTP: a snapshot, a Server-Sent Events stream of it, and the public status page's figures. */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import { WINDOW_NAMES, isWindow, type WindowName } from './snapshot.ts';
import type { StatisticsService } from './statistics.service.ts';

export interface StatisticsRoutesOptions {
  service: StatisticsService;
  authenticate: Authenticate;
}

const TAGS = ['statistics'];
/** Bytes a stream may have waiting for a slow client (a few snapshots) before it is dropped. */
const MAX_BUFFERED = 1 << 20;
const open = { type: 'object', additionalProperties: true } as const;
const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: { window: { type: 'string', description: `${WINDOW_NAMES.join(', ')} (default 1h): per minute, per hour, per day, per day` } },
} as const;

function windowOf(query: unknown): WindowName {
  const w = (query as { window?: string }).window ?? '1h';
  if (!isWindow(w)) {
    throw new AppError('INVALID_REQUEST', `window must be one of ${WINDOW_NAMES.join(', ')}.`, [{ path: 'window', rule: 'enum', expected: WINDOW_NAMES.join(' | '), actual: w }]);
  }
  return w;
}

export async function statisticsRoutes(app: FastifyInstance, opts: StatisticsRoutesOptions) {
  const { service, authenticate } = opts;

  app.get('/api/v1/statistics', {
    schema: {
      summary: 'Zone statistics over a window: totals, series, by mode, direction and status, top countries, HS chapters and rejection reasons, latency, queue depth (operator, customs, commerce)',
      tags: TAGS,
      querystring,
      response: { 200: open, 400: errorSchema, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => {
    const window = windowOf(req.query);
    service.authorize(await authenticate(req));
    return service.snapshot(window);
  });

  app.get('/api/v1/statistics/stream', {
    schema: {
      summary: 'The statistics snapshot as Server-Sent Events: at once, then whenever it changes (at most every 2 s), with heartbeat comments (operator, customs, commerce; the console session cookie works). At most 10 open streams per enterprise (429 beyond); a stream ends when its session or key no longer holds (checked every 30 s)',
      tags: TAGS,
      querystring,
      response: { 400: errorSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema },
    },
  }, async (req, reply) => {
    const window = windowOf(req.query);
    const caller = await authenticate(req);
    service.authorize(caller);
    const stream = new PassThrough();
    let stop = () => {};
    const end = () => {
      stop();
      stop = () => {};
      if (!stream.writableEnded) stream.end();
    };
    // Throws 429 beyond the open streams allowed, before anything is sent.
    stop = service.watch(window, {
      enterpriseId: caller.id,
      send: (text) => {
        if (stream.writableEnded) return;
        // A client that stopped reading is dropped rather than buffered for without end.
        if (stream.writableLength > MAX_BUFFERED) return void stream.destroy();
        stream.write(text);
      },
      end,
      // The same request's credential, looked up again: a logout, an expired session or a revoked key ends the stream.
      recheck: async () => service.authorize(await authenticate(req)),
    });
    // The client went away (Fastify destroys the stream), or the platform closes.
    stream.on('close', end);
    stream.write('retry: 3000\n\n');
    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no')
      // Ended by the platform, the stream leaves no idle connection behind to hold up closing.
      .header('connection', 'close')
      .send(stream);
  });

  app.get('/api/v1/status', {
    schema: {
      summary: 'Platform status for the public status page: receipt latency (5 min, 1 h), declarations per minute over the last hour, queue depth, uptime; no enterprise data, no credential',
      tags: TAGS,
      security: [],
      response: { 200: open },
    },
  }, async () => service.status());
}
