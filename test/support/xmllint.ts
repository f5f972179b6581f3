// XSD validation of CEB / DXP messages against the official schemas in ../shared/ceb/xsd, via xmllint.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type XsdName = 'import' | 'export' | 'dxp-terminal' | 'dxp-transport';

const XSD_FILES: Record<XsdName, string> = {
  import: 'ceb-import.xsd',
  export: 'ceb-export.xsd',
  'dxp-terminal': 'dxp-terminal.xsd',
  'dxp-transport': 'dxp-transport.xsd',
};

/** The project root (this file lives in <root>/test/support). */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the `shared` directory beside the project checkout. */
export function sharedDir(): string {
  return resolve(PROJECT_ROOT, '..', 'shared');
}

/** Absolute path of an official XSD, e.g. xsdPath('import') -> …/shared/ceb/xsd/ceb-import.xsd. */
export function xsdPath(name: XsdName): string {
  return resolve(sharedDir(), 'ceb', 'xsd', XSD_FILES[name]);
}

/** Validates `xml` with `xmllint --noout --nonet --schema <xsd> -`; `errors` is xmllint's stderr. */
export function validateWithXsd(xml: string | Buffer, schema: XsdName): { ok: boolean; errors: string } {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', xsdPath(schema), '-'], {
    input: xml,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('xmllint not found: install it with `apt-get install libxml2-utils` (Debian/Ubuntu)');
    }
    throw r.error;
  }
  // Exit 0 = valid; 1 = not well-formed; 3 = invalid; 5 = the schema itself did not compile.
  if (r.status === 5) throw new Error(`xmllint could not load schema ${xsdPath(schema)}:\n${r.stderr}`);
  return { ok: r.status === 0, errors: r.stderr };
}
