/** The overseas-warehouse directory over HTTP: public browsing; entries kept by their operators. */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorSchema, parseId, type Authenticate } from '../../platform/http.ts';
import { AppError } from '../../platform/errors.ts';
import { SERVICES, type WarehouseInput } from './rules.ts';
import type { WarehouseFilter, WarehousesService } from './warehouses.service.ts';

export interface WarehousesRoutesOptions {
  service: WarehousesService;
  authenticate: Authenticate;
  maxCsvBytes?: number;
}

const entry = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'country', 'city', 'address', 'latitude', 'longitude', 'areaM2', 'services', 'platforms', 'eligible9810', 'contact'],
  properties: {
    name: { type: 'string' },
    country: { type: 'string', description: "customs' 3-digit country code" },
    city: { type: 'string' },
    address: { type: 'string' },
    latitude: { type: 'number' },
    longitude: { type: 'number' },
    areaM2: { type: 'integer' },
    services: { type: 'array', maxItems: 20, items: { type: 'string' }, description: SERVICES.join(', ') },
    platforms: { type: 'array', maxItems: 30, items: { type: 'string' } },
    eligible9810: { type: 'boolean', description: 'files 9810 (出口海外仓) consignments' },
    contact: { type: 'object', additionalProperties: false, required: ['name', 'phone', 'email'], properties: { name: { type: 'string' }, phone: { type: 'string' }, email: { type: 'string' } } },
  },
} as const;
const open = { type: 'object', additionalProperties: true } as const;
const TAGS = ['warehouses'];

export async function warehousesRoutes(app: FastifyInstance, opts: WarehousesRoutesOptions) {
  const { service, authenticate } = opts;
  const limit = opts.maxCsvBytes ?? 2 * 1024 * 1024;
  app.addContentTypeParser('text/csv', async (_req: FastifyRequest, payload: IncomingMessage) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of payload) {
      size += (c as Buffer).length;
      if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `The CSV is larger than ${limit} bytes.`);
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  });

  app.get('/api/v1/warehouses', {
    schema: {
      summary: 'The overseas-warehouse directory (海外仓名录), filtered; public',
      tags: TAGS,
      security: [],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          country: { type: 'string', pattern: '^\\d{3}$' }, city: { type: 'string', maxLength: 60 }, service: { type: 'string', enum: [...SERVICES] },
          platform: { type: 'string', maxLength: 60 }, eligible9810: { type: 'boolean' }, q: { type: 'string', maxLength: 100 }, enterpriseId: { type: 'integer', minimum: 1 },
        },
      },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: open } } } },
    },
  }, async (req) => ({ items: await service.list(req.query as WarehouseFilter) }));

  app.get('/api/v1/warehouses/:id', {
    schema: { summary: 'One directory entry; public', tags: TAGS, security: [], params: { type: 'object', properties: { id: { type: 'string' } } }, response: { 200: open, 404: errorSchema } },
  }, async (req) => service.get(parseId((req.params as { id: string }).id)));

  app.post('/api/v1/warehouses', {
    schema: { summary: 'Add an entry (an enterprise filed as overseas warehouse, manage scope)', tags: TAGS, body: entry, response: { 201: open, 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema } },
  }, async (req, reply) => reply.code(201).send(await service.create(await authenticate(req), req.body as WarehouseInput)));

  app.put('/api/v1/warehouses/:id', {
    schema: { summary: 'Replace an entry (its operator, or the zone operator)', tags: TAGS, body: entry, params: { type: 'object', properties: { id: { type: 'string' } } }, response: { 200: open, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema } },
  }, async (req) => service.update(await authenticate(req), parseId((req.params as { id: string }).id), req.body as WarehouseInput));

  app.delete('/api/v1/warehouses/:id', {
    schema: { summary: 'Remove an entry (its operator, or the zone operator)', tags: TAGS, params: { type: 'object', properties: { id: { type: 'string' } } }, response: { 204: { type: 'null' }, 401: errorSchema, 403: errorSchema, 404: errorSchema } },
  }, async (req, reply) => {
    await service.remove(await authenticate(req), parseId((req.params as { id: string }).id));
    return reply.code(204).send();
  });

  app.post('/api/v1/warehouses/import', {
    schema: {
      summary: 'Add or update your entries from a CSV',
      description: 'text/csv, UTF-8, header `name,country,city,address,latitude,longitude,areaM2,services,platforms,eligible9810,contactName,contactPhone,contactEmail`; services and platforms separated by `|`. An entry of the same name is updated. All or nothing.',
      tags: TAGS,
      consumes: ['text/csv'],
      response: { 200: open, 400: errorSchema, 401: errorSchema, 403: errorSchema, 413: errorSchema, 415: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    if (typeof req.body !== 'string') throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send text/csv.');
    return service.importCsv(caller, req.body);
  });
}
