/**
 * HTTPS with optional client certificates: a certificate the TLS layer verified and the
 * enterprise registered with purpose `client` authenticates as that enterprise; API keys keep
 * working on the same port. A real HTTPS server and OpenSSL-made certificates, on every database.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { CertFactory, type CaFiles, type Issued } from '../support/certs.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface Answer {
  status: number;
  text: string;
  json: () => unknown;
}

const AGENT = DEMO_PARTIES.agent;

describe.each(databases())('mTLS on %s', (kind) => {
  let p: Platform;
  let certs: CertFactory;
  let ca: CaFiles & Issued;
  let port: number;
  let agentClient: Issued;

  /** One request over HTTPS, trusting the test CA; with a client certificate and/or an API key. */
  function request(method: string, path: string, opts: { client?: Issued; key?: string; body?: string; type?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/xml';
      const req = https.request(
        { host: '127.0.0.1', port, path, method, headers, ca: ca.certPem, ...(opts.client ? { cert: opts.client.certPem, key: opts.client.keyPem } : {}), agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) });
          });
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  beforeAll(async () => {
    certs = new CertFactory();
    ca = certs.ca('/C=CN/O=Silkgate test/CN=Silkgate mTLS test CA', 'rsa');
    const server = certs.issue('/CN=localhost', { key: 'rsa', ca });
    agentClient = certs.issue(`/C=CN/O=${AGENT.name}/CN=${AGENT.code}`, { key: 'rsa', ca });
    const fs = await import('node:fs');
    const file = (name: string, text: string) => {
      const f = `${certs.dir}/${name}`;
      fs.writeFileSync(f, text);
      return f;
    };
    p = await startPlatform(kind, {
      SILKGATE_TLS_CERT: file('server.pem', server.certPem),
      SILKGATE_TLS_KEY: file('server.key', server.keyPem),
      SILKGATE_TLS_CLIENT_CA: ca.cert,
      // The test CA is a trust anchor for signing certificates too (one is registered for signing below).
      SILKGATE_TRUSTED_CA_FILE: ca.cert,
    });
    const addr = p.app.http.server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });
  afterAll(async () => {
    await p?.close();
    certs?.remove();
  });

  it('serves HTTPS, and API keys work without a client certificate', async () => {
    expect((await request('GET', '/healthz')).status).toBe(200);
    expect((await request('GET', '/api/v1/certificates', { key: p.key('agent') })).status).toBe(200);
    expect((await request('GET', '/api/v1/certificates')).status).toBe(401);
  });

  it('authenticates a registered client certificate as its enterprise, with every scope', async () => {
    // Verified by TLS but not registered: not a credential.
    expect((await request('GET', '/api/v1/certificates', { client: agentClient })).status).toBe(401);

    const reg = await request('POST', '/api/v1/certificates?purpose=client', { key: p.key('agent'), body: agentClient.certPem, type: 'application/x-pem-file' });
    expect(reg.status, reg.text).toBe(201);
    expect(reg.json()).toMatchObject({ purpose: 'client', fingerprint: agentClient.fingerprint });

    const listed = await request('GET', '/api/v1/certificates?purpose=client', { client: agentClient });
    expect(listed.status, listed.text).toBe(200);
    const mine = listed.json() as Array<{ fingerprint: string; enterpriseId: number }>;
    expect(mine.map((c) => c.fingerprint)).toEqual([agentClient.fingerprint]);
    const agentId = (await p.app.enterprises.byCode(AGENT.code))!.id;
    expect(mine[0].enterpriseId).toBe(agentId);

    // declare: a signed inventory sent with the certificate alone.
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 77 });
    const sent = await request('POST', '/api/v1/messages', { client: agentClient, body: wrapMessage('CEB621Message', [f.inventory], AGENT) });
    expect(sent.status, sent.text).toBe(202);
    // The platform signs for the certificate's enterprise too.
    const signed = await request('POST', '/api/v1/signatures', { client: agentClient, body: wrapMessage('CEB621Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: 78 }).inventory], AGENT, undefined, null) });
    expect(signed.status, signed.text).toBe(200);
  });

  it('does not authenticate certificates the TLS layer did not verify, nor ones registered for signing', async () => {
    // Same subject, self-signed: TLS does not authorise it; the API key on the same connection still works.
    const rogue = certs.issue(`/C=CN/O=${AGENT.name}/CN=${AGENT.code}`, { key: 'rsa', self: true });
    expect((await request('GET', '/api/v1/certificates', { client: rogue })).status).toBe(401);
    expect((await request('GET', '/api/v1/certificates', { client: rogue, key: p.key('ebp') })).status).toBe(200);

    // Issued by the client CA, but registered as a signing certificate.
    const ebp = DEMO_PARTIES.ebp;
    const signing = certs.issue(`/C=CN/O=${ebp.name}/CN=${ebp.code}`, { key: 'rsa', ca });
    const reg = await request('POST', '/api/v1/certificates?purpose=signing', { key: p.key('ebp'), body: signing.certPem, type: 'application/x-pem-file' });
    expect(reg.status, reg.text).toBe(201);
    expect((await request('GET', '/api/v1/certificates', { client: signing })).status).toBe(401);
  });

  it('stops authenticating a client certificate once revoked', async () => {
    const logistics = DEMO_PARTIES.logistics;
    const c = certs.issue(`/C=CN/O=${logistics.name}/CN=${logistics.code}`, { key: 'ec', ca });
    const reg = await request('POST', '/api/v1/certificates?purpose=client', { key: p.key('logistics'), body: c.certPem, type: 'application/x-pem-file' });
    expect(reg.status, reg.text).toBe(201);
    expect((await request('GET', '/api/v1/signing-keys', { client: c })).status).toBe(200);
    const { id } = reg.json() as { id: number };
    expect((await request('DELETE', `/api/v1/certificates/${id}`, { client: c })).status).toBe(200);
    expect((await request('GET', '/api/v1/signing-keys', { client: c })).status).toBe(401);
  });

  it('does not let another site use a certificate the browser holds (CSRF): unsafe requests from elsewhere are refused', async () => {
    const warehouse = DEMO_PARTIES.warehouse;
    const c = certs.issue(`/C=CN/O=${warehouse.name}/CN=${warehouse.code}`, { key: 'rsa', ca });
    const reg = await request('POST', '/api/v1/certificates?purpose=client', { key: p.key('warehouse'), body: c.certPem, type: 'application/x-pem-file' });
    expect(reg.status, reg.text).toBe(201);
    const accounts = await request('GET', '/api/v1/accounts', { client: c });
    expect(accounts.status, accounts.text).toBe(200);
    const account = (accounts.json() as { accounts: Array<{ id: number }> }).accounts[0];
    // What a form on another site can send: text/plain, with the browser's provenance headers.
    const forged: Array<Record<string, string>> = [{ 'sec-fetch-site': 'cross-site', origin: 'https://elsewhere.example' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://elsewhere.example' }, { origin: 'null' }];
    for (const headers of forged) {
      const r = await request('POST', `/api/v1/accounts/${account.id}/disable`, { client: c, body: 'a=b', type: 'text/plain', headers });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.json()).toMatchObject({ error: { code: 'FORBIDDEN', issues: [{ rule: 'same-origin' }] } });
    }
    const still = (await request('GET', '/api/v1/accounts', { client: c })).json() as { accounts: Array<{ id: number; disabled: boolean }> };
    expect(still.accounts.find((a) => a.id === account.id)?.disabled).toBe(false);
    // Reads, requests of this site and programs (no provenance headers) go through.
    expect((await request('GET', '/api/v1/accounts', { client: c, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    expect((await request('POST', `/api/v1/accounts/${account.id}/disable`, { client: c, headers: { 'sec-fetch-site': 'same-origin', origin: `https://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await request('POST', `/api/v1/accounts/${account.id}/enable`, { client: c, headers: { origin: `https://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await request('POST', `/api/v1/accounts/${account.id}/disable`, { client: c })).status).toBe(200);
  });
});
