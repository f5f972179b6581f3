/** The sandbox customs' scenario rules over HTTP: the operator reads and replaces them. */
import type { FastifyInstance } from 'fastify';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import { SCENARIOS } from './sandbox/scenarios.ts';
import type { SandboxScenariosService } from './scenarios.ts';

export interface ScenariosRoutesOptions {
  service: SandboxScenariosService;
  authenticate: Authenticate;
}

const TAGS = ['sandbox'];
const rules = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      match: { type: 'object', properties: { field: { type: 'string' }, prefix: { type: 'string' }, messageType: { type: 'string' } } },
      scenario: { type: 'string', enum: [...SCENARIOS] },
    },
  },
} as const;

export async function scenariosRoutes(app: FastifyInstance, opts: ScenariosRoutesOptions) {
  const { service, authenticate } = opts;

  app.get('/api/v1/sandbox/scenarios', {
    schema: {
      summary: 'The sandbox customs\' scenario rules in force (operator)',
      description: 'The JSON the rules file (SILKGATE_SANDBOX_SCENARIOS) takes, so it can be saved and put back. X-Scenarios-Source: stored (set through this API), file, or none. 409 when the customs transport is not the sandbox.',
      tags: TAGS,
      response: { 200: rules, 401: errorSchema, 403: errorSchema, 409: errorSchema },
    },
  }, async (req, reply) => {
    const out = service.get(await authenticate(req));
    return reply.header('x-scenarios-source', out.source).send(out.rules);
  });

  app.put('/api/v1/sandbox/scenarios', {
    schema: {
      summary: 'Replace the sandbox customs\' scenario rules (operator)',
      description:
        'Body: the JSON array the rules file takes, e.g. `[{ "match": { "field": "orderNo", "prefix": "VIP", "messageType": "CEB311Message" }, "scenario": "review" }]` ' +
        `(scenario: ${SCENARIOS.join(', ')}; at most 1,000 rules). Checked whole: any fault → 400 naming each (\`rule 2.scenario\`) and nothing changes. ` +
        'Takes effect for every message sent from then on, is kept across restarts (replacing the rules file) and is audited (config.sandbox_scenarios). `[]` leaves only the built-in prefixes. ' +
        '409 when the customs transport is not the sandbox.',
      tags: TAGS,
      response: { 200: rules, 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
    },
  }, async (req) => service.replace(await authenticate(req), req.body));
}
