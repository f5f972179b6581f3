/**
 * Signing and verifying CEB messages: enveloped W3C XML-DSig as the last child of the CEB root,
 * inclusive C14N 1.0, SM2 with SM3 and the default user ID 1234567812345678 (raw r‖s), or legacy
 * RSA-SHA1. Exactly the procedure of shared/spec/signatures.md.
 *
 * Pure functions. Verification runs at ingest, per signed message: the usual shape is verified in
 * one streaming pass (c14n.ts); anything else, and every refusal, goes through the DOM path
 * (@xmldom/xmldom, xml-crypto's canonicalizer), which is several times slower. Documents with a
 * DOCTYPE are refused before any parsing.
 *
 * The entry the rest of the code imports from: dsig-sign.ts signs, dsig-verify.ts (DOM path) and
 * dsig-stream.ts (streaming path) verify, dsig-crypto.ts holds the SM2/RSA primitives, dsig-xml.ts
 * the DOM helpers, dsig-model.ts the types and algorithm URIs.
 */
export type { Algorithm, CertificateInfo, SigningKey, Verification } from './dsig-model.ts';
export { DS_NS, URI } from './dsig-model.ts';
export { canonicalSignedInfo, checkSignature, verifyCeb, verifyCebDom, type SignatureCheck } from './dsig-verify.ts';
export { signCeb } from './dsig-sign.ts';
export { verifyStreaming } from './dsig-stream.ts';
