/**
 * Certificates, signing keys held by the platform, and signing as a service over HTTP. Thin:
 * the service does the work.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, parseId, type Authenticate } from '../../platform/http.ts';
import { PURPOSES, type Purpose, type SignaturesService } from './signatures.service.ts';

export interface SignaturesRoutesOptions {
  service: SignaturesService;
  authenticate: Authenticate;
  maxBodyBytes: number;
}

/** Headers of a signed answer: which certificate signed it. */
export const SIGNED_BY_HEADERS = {
  serial: 'x-silkgate-certificate-serial',
  fingerprint: 'x-silkgate-certificate-fingerprint',
  algorithm: 'x-silkgate-signature-algorithm',
} as const;

const CERTIFICATE_TYPES = ['application/x-pem-file', 'application/pkix-cert', 'application/x-x509-ca-cert', 'application/octet-stream', 'text/plain'];
const XML_TYPES = ['application/xml', 'text/xml'];
const MAX_CERTIFICATE_BYTES = 64 * 1024;

const certificateSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    enterpriseId: { type: 'integer' },
    enterpriseCode: { type: 'string', description: 'For the operator and regulators, who see every enterprise.' },
    purpose: { type: 'string', enum: PURPOSES },
    fingerprint: { type: 'string', description: 'SHA-256 of the DER, lower-case hex.' },
    serialHex: { type: 'string', description: 'Serial number, lower-case hex (the KeyName of a signature).' },
    subject: { type: 'string' },
    issuer: { type: 'string' },
    algorithm: { type: 'string', description: 'Key algorithm: sm2, rsa, ec…' },
    notBefore: { type: 'string' },
    notAfter: { type: 'string' },
    registeredAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['valid', 'revoked', 'expired', 'not-yet-valid'] },
  },
};

const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    enterpriseId: { type: 'integer' },
    certificateId: { type: 'integer' },
    certificateSerial: { type: 'string' },
    certificateFingerprint: { type: 'string' },
    algorithm: { type: 'string', enum: ['sm2-sm3', 'rsa-sha1'] },
    uses: { type: 'integer', description: 'Signatures made with it.' },
    lastUsedAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    disabledAt: { type: ['string', 'null'] },
  },
};

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } }, additionalProperties: false };
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 415: errorSchema, 503: errorSchema };

export async function signaturesRoutes(app: FastifyInstance, opts: SignaturesRoutesOptions) {
  const { service, authenticate } = opts;
  // Certificates come as PEM or DER, messages as the exact XML bytes to sign.
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser([...CERTIFICATE_TYPES, ...XML_TYPES], { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.post('/api/v1/certificates', {
    bodyLimit: MAX_CERTIFICATE_BYTES,
    schema: {
      summary: 'Register a certificate of your enterprise (PEM or DER body)',
      description:
        'purpose=signing (default): the certificate whose signatures (XML-DSig, SM2-SM3 or RSA-SHA1) your messages carry; purpose=client: a TLS client certificate ' +
        'for system access (mTLS). It must be issued by a trust anchor (the e-port CA; the sandbox CA in demo mode), valid now and name your enterprise (code or name). Needs the manage scope.',
      tags: ['certificates'],
      querystring: { type: 'object', properties: { purpose: { type: 'string', enum: PURPOSES } }, additionalProperties: false },
      response: { 201: certificateSchema, ...errors },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the certificate as PEM (application/x-pem-file) or DER (application/pkix-cert).`);
    const purpose = ((req.query as { purpose?: Purpose }).purpose ?? 'signing') as Purpose;
    return reply.status(201).send(await service.register(caller, req.body, purpose));
  });

  app.get('/api/v1/certificates', {
    schema: {
      summary: 'Registered certificates: your own (operator and regulators: all)',
      tags: ['certificates'],
      querystring: { type: 'object', properties: { purpose: { type: 'string', enum: PURPOSES } }, additionalProperties: false },
      response: { 200: { type: 'array', items: certificateSchema }, ...errors },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    return service.list(caller, (req.query as { purpose?: Purpose }).purpose);
  });

  app.delete('/api/v1/certificates/:id', {
    schema: {
      summary: 'Revoke a certificate (yours; the operator: any). Keys held for it are disabled.',
      tags: ['certificates'],
      params: idParams,
      response: { 200: certificateSchema, ...errors },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    return service.revoke(caller, parseId((req.params as { id: string }).id));
  });

  app.post('/api/v1/signing-keys', {
    bodyLimit: MAX_CERTIFICATE_BYTES,
    schema: {
      summary: 'Let the platform sign for you: upload your signing key and its certificate',
      description:
        'The private key is encrypted at rest (AES-256-GCM) and never shown again. The certificate must be registered to you for signing, or is registered now. ' +
        'Software keys suit the sandbox and the demo; production keys belong in a u-key or a certified server crypto device. Needs the manage scope.',
      tags: ['signatures'],
      body: {
        type: 'object',
        required: ['privateKeyPem', 'certificatePem'],
        additionalProperties: false,
        properties: {
          privateKeyPem: { type: 'string', maxLength: 16384, description: 'Unencrypted PEM private key (SM2 or RSA; PKCS#8, SEC1 or PKCS#1).' },
          certificatePem: { type: 'string', maxLength: 16384, description: 'The PEM certificate of that key.' },
        },
      },
      response: { 201: keySchema, ...errors },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    return reply.status(201).send(await service.storeKey(caller, req.body as { privateKeyPem: string; certificatePem: string }));
  });

  app.get('/api/v1/signing-keys', {
    schema: {
      summary: 'Signing keys the platform holds for you (never the key itself)',
      tags: ['signatures'],
      response: { 200: { type: 'array', items: keySchema }, ...errors },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    return service.keys(caller);
  });

  app.delete('/api/v1/signing-keys/:id', {
    schema: {
      summary: 'Disable a signing key held by the platform (it is erased)',
      tags: ['signatures'],
      params: idParams,
      response: { 200: keySchema, ...errors },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    return service.disableKey(caller, parseId((req.params as { id: string }).id));
  });

  app.post('/api/v1/signatures', {
    bodyLimit: opts.maxBodyBytes,
    schema: {
      summary: 'Sign an unsigned CEB message with your key held by the platform',
      description:
        'Body: the unsigned CEB message (UTF-8 XML) of your enterprise (BaseTransfer copCode). It is validated like a submission, signed (XML-DSig enveloped, ' +
        'SM2-SM3 or RSA-SHA1 as the key is) and returned as application/xml; submit those bytes unchanged. Headers name the certificate. Needs the declare scope.',
      tags: ['signatures'],
      response: { 200: { type: 'string', description: 'The signed message (application/xml).' }, ...errors, 413: errorSchema },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the unsigned CEB message as application/xml.');
    const signed = await service.sign(caller, req.body);
    return reply
      .header(SIGNED_BY_HEADERS.serial, signed.certificate.serialHex)
      .header(SIGNED_BY_HEADERS.fingerprint, signed.certificate.fingerprint)
      .header(SIGNED_BY_HEADERS.algorithm, signed.algorithm)
      .type('application/xml; charset=utf-8')
      .send(signed.xml);
  });
}
