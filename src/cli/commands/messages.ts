/** `silkgate messages show <id>`: a message, its records and its receipt timeline. */
import { CliError, type Context, type Values } from '../client.ts';

export const summary = 'Show a message: status, records and receipt timeline';
export const usage = `Usage: silkgate messages show <id> [--raw | --envelope]

Prints the message, each of its records (status, customs' returnStatus/returnInfo, preNo and
invtNo once assigned) and every receipt received for it, oldest first. With --json, the
platform's JSON view.

Options:
  --raw        Print the exact bytes that were submitted
  --envelope   Print the DxpMsg envelope forwarded to customs`;

export const options = {
  raw: { type: 'boolean' },
  envelope: { type: 'boolean' },
} as const;

interface MessageView {
  id: number;
  messageType: string;
  guid: string;
  status: string;
  copMsgId: string;
  receivedAt: string;
  forwardedAt: string | null;
  records: Array<{ id: number; seq: number; guid: string; key: string; status: string; returnStatus: string | null; returnInfo: string | null; preNo: string | null; invtNo: string | null; updatedAt: string }>;
  receipts: Array<{ id: number; declarationId: number | null; messageType: string; returnStatus: string; returnInfo: string; returnTime: string; receivedAt?: string }>;
}

const oneLine = (s: string | null | undefined) => String(s ?? '').replace(/\s+/g, ' ').trim();
/** CEB times (yyyyMMddHHmmss[fff], China time) made readable. */
const when = (t: string) => t.replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d{0,3})$/, (_m, y, mo, d, h, mi, s, ms) => `${y}-${mo}-${d} ${h}:${mi}:${s}${ms ? `.${ms}` : ''}`);

export function render(m: MessageView): string {
  const out = [
    `Message #${m.id}  ${m.messageType}  ${m.status}`,
    `  guid       ${m.guid}`,
    `  copMsgId   ${m.copMsgId}`,
    `  received   ${m.receivedAt}`,
    `  forwarded  ${m.forwardedAt ?? '-'}`,
    '',
    `Records (${m.records.length}): seq, status, [returnStatus] returnInfo`,
  ];
  for (const r of m.records) {
    const ret = r.returnStatus ? `  [${r.returnStatus}] ${oneLine(r.returnInfo)}` : '';
    const nos = [r.preNo && `preNo ${r.preNo}`, r.invtNo && `invtNo ${r.invtNo}`].filter(Boolean).join('  ');
    out.push(`  ${String(r.seq).padStart(3)}  ${r.status}${ret}`, `       key ${r.key}  guid ${r.guid}${nos ? `  ${nos}` : ''}`);
  }
  out.push('', `Receipts (${m.receipts.length}): returnTime, #id, type, returnStatus, returnInfo`);
  if (!m.receipts.length) out.push('  (none yet)');
  for (const r of m.receipts) {
    const rec = m.records.find((x) => x.id === r.declarationId);
    out.push(`  ${when(r.returnTime || r.receivedAt || '')}  #${r.id} ${r.messageType} ${r.returnStatus} ${oneLine(r.returnInfo)}${rec ? `  (seq ${rec.seq})` : ''}`);
  }
  return out.join('\n') + '\n';
}

export async function run(ctx: Context, positionals: string[], v: Values): Promise<number> {
  const [sub, id, ...extra] = positionals;
  if (sub !== 'show') throw new CliError(sub ? `unknown subcommand "${sub}" (try: messages show <id>)` : 'missing subcommand (try: messages show <id>)', 2);
  if (!id || extra.length) throw new CliError('messages show takes exactly one message id', 2);
  if (!/^[1-9]\d*$/.test(id)) throw new CliError(`message id must be a positive integer, got "${id}"`, 2);
  if (v.raw && v.envelope) throw new CliError('--raw and --envelope exclude each other', 2);
  const client = ctx.client(ctx.key());
  if (v.raw || v.envelope) {
    process.stdout.write(await client.bytes(`/api/v1/messages/${id}/${v.raw ? 'raw' : 'envelope'}`));
    return 0;
  }
  const m = await client.json<MessageView>(`/api/v1/messages/${id}`);
  process.stdout.write(ctx.json ? JSON.stringify(m, null, 2) + '\n' : render(m));
  return 0;
}
