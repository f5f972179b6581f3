/** The pure filing rules: USCC check character, identity fields, the review state machine, document bytes. */
import { describe, expect, it } from 'vitest';
import { DECISIONS, documentIssues, filingIssues, transition, usccIssues, APPLICANT_ROLES } from './rules.ts';
import type { EnterpriseStatus } from '../../platform/access.ts';

/** GB 32100-2015 written out again from the standard, independently of rules.ts. */
function checkChar(first17: string): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + alphabet.indexOf(c) * weights[i], 0);
  const c18 = 31 - (sum % 31);
  return alphabet[c18 === 31 ? 0 : c18];
}

describe('USCC (GB 32100-2015)', () => {
  it('accepts codes whose 18th character is the check character', () => {
    for (const body of ['91330100MA27U0019', '12330100MB1A0001X', '91110108551385082', '913501000000100Y4']) {
      const code = body + checkChar(body);
      expect(usccIssues(code), code).toEqual([]);
    }
  });

  it('refuses every other check character, naming the expected one', () => {
    const body = '91330104MA2H3A018';
    const right = checkChar(body);
    for (const c of '0123456789ABCDEFGHJKLMNPQRTUWXY'.replace(right, '')) {
      const issues = usccIssues(body + c);
      expect(issues).toEqual([expect.objectContaining({ path: 'uscc', rule: 'uscc-check-digit', actual: c })]);
      expect(issues[0].expected).toContain(right);
    }
  });

  it('refuses letters outside the alphabet (I, O, S, V, Z), lower case and wrong lengths', () => {
    for (const bad of ['91330100MA27U0019I', '9133O100MA27U0019Q', '91330100ma27u0019q', '91330100MA27U0019', '91330100MA27U0019QQ', '']) {
      expect(usccIssues(bad)[0]).toMatchObject({ path: 'uscc', rule: 'uscc-format' });
    }
  });
});

describe('filing fields', () => {
  const good = { code: '3301966A01', name: '杭州海淘优选贸易有限公司', uscc: '91330104MA2H3A018P', dxpId: 'DXPENT0000011002', roles: ['ebc'], contacts: [{ name: '王芳', phone: '+86 571-8688 0001', email: 'wang@example.com', role: '业务联系人' }] };

  it('accepts a complete filing', () => {
    expect(filingIssues(good, APPLICANT_ROLES)).toEqual([]);
  });

  it('names each bad field and its rule', () => {
    const issues = filingIssues(
      { ...good, code: '3301966a0', dxpId: 'ENT0000011002', roles: ['operator', 'ebc', 'ebc'], contacts: [{ name: ' ', phone: 'call me', email: 'nobody', role: 'x' }] },
      APPLICANT_ROLES,
    );
    expect(issues.map((i) => `${i.path} ${i.rule}`)).toEqual([
      'code pattern',
      'dxpId pattern',
      'roles[0] role',
      'roles uniqueItems',
      'contacts[0].name required',
      'contacts[0].phone phone',
      'contacts[0].email email',
    ]);
  });

  it('lets applicants choose neither operator nor a regulator role', () => {
    expect(APPLICANT_ROLES).not.toContain('operator');
    expect(APPLICANT_ROLES).not.toContain('customs');
    expect(APPLICANT_ROLES).not.toContain('commerce');
    expect(APPLICANT_ROLES).toEqual(expect.arrayContaining(['ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'bank']));
  });
});

describe('review state machine', () => {
  const statuses: EnterpriseStatus[] = ['pending', 'approved', 'rejected', 'suspended', 'revoked'];
  const allowed = new Set(['pending approve', 'pending reject', 'approved suspend', 'approved revoke', 'suspended reinstate', 'suspended revoke']);

  it('allows exactly the transitions of the filing lifecycle', () => {
    for (const from of statuses) {
      for (const d of DECISIONS) {
        const t = transition(from, d);
        expect(t.ok, `${from} ${d}`).toBe(allowed.has(`${from} ${d}`));
        if (!t.ok) expect(t.issue).toMatchObject({ path: 'decision', rule: 'transition' });
        if (!t.ok) expect(t.issue.actual.startsWith(`${from} → `)).toBe(true);
      }
    }
  });

  it('leads where the decision says', () => {
    expect(transition('pending', 'approve')).toMatchObject({ ok: true, to: 'approved' });
    expect(transition('pending', 'reject')).toMatchObject({ ok: true, to: 'rejected' });
    expect(transition('suspended', 'reinstate')).toMatchObject({ ok: true, to: 'approved' });
    expect(transition('suspended', 'revoke')).toMatchObject({ ok: true, to: 'revoked' });
  });
});

describe('documents', () => {
  const pdf = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const jpeg = Buffer.from('ffd8ffe000104a464946', 'hex');

  it('accepts bytes that are of the declared type', () => {
    expect(documentIssues('application/pdf', pdf, 'licence.pdf')).toEqual([]);
    expect(documentIssues('image/png', png, '营业执照.png')).toEqual([]);
    expect(documentIssues('image/jpeg', jpeg, 'scan.jpg')).toEqual([]);
  });

  it('refuses bytes of another type, other types and path-like names', () => {
    expect(documentIssues('application/pdf', png, 'x.pdf')).toEqual([expect.objectContaining({ path: 'body', rule: 'magic-bytes' })]);
    expect(documentIssues('image/png', jpeg, 'x.png')).toEqual([expect.objectContaining({ path: 'body', rule: 'magic-bytes' })]);
    expect(documentIssues('image/gif', Buffer.from('GIF89a'), 'x.gif')).toEqual([expect.objectContaining({ path: 'content-type', rule: 'media-type' })]);
    expect(documentIssues('application/pdf', pdf, '../etc/passwd')).toEqual([expect.objectContaining({ path: 'filename', rule: 'filename' })]);
  });
});
