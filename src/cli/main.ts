/** `silkgate` command line: global options, dispatch to a command, exit status (2 = usage error). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiError, CliError, NO_KEY_HINT, ROLES, createClient, demoKey, formatIssue, type Context, type Values } from './client.ts';
import * as submit from './commands/submit.ts';
import * as receipts from './commands/receipts.ts';
import * as messages from './commands/messages.ts';
import * as tariff from './commands/tariff.ts';
import * as demo from './commands/demo.ts';
import * as exportDemo from './commands/export.ts';
import * as audit from './commands/audit.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  summary: string;
  usage: string;
  options: Options;
  run(ctx: Context, positionals: string[], values: Values): Promise<number>;
}

const COMMANDS: Record<string, Command> = { demo, export: exportDemo, submit, receipts, messages, tariff, audit };

const GLOBAL: Options = {
  url: { type: 'string' },
  key: { type: 'string' },
  as: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Global options:
  --url URL        Platform address (env SILKGATE_URL, default http://127.0.0.1:8080)
  --key KEY        API key (env SILKGATE_API_KEY)
  --as ROLE        Use the demo zone's key of ROLE, read from <data dir>/demo-credentials.json
                   (${ROLES.join(', ')})
  --data-dir DIR   The platform's data directory (env SILKGATE_DATA_DIR, default ./data)
  --json           Machine-readable output
  -h, --help       Show help`;

const USAGE = `Usage: silkgate <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

${GLOBAL_HELP}

Run "silkgate <command> --help" for the options of a command.`;

const helpOf = (name: string) => `${COMMANDS[name].usage}\n\n${GLOBAL_HELP}`;
const say = (stream: NodeJS.WriteStream, text: string) => stream.write(text.endsWith('\n') ? text : text + '\n');

/** The command word: the first argument that is neither an option nor the value of a global option. */
function splitCommand(argv: string[]): { name?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    if (a.startsWith('--') && !a.includes('=') && GLOBAL[a.slice(2)]?.type === 'string') i++;
  }
  return { rest: argv };
}

function context(v: Values, env: NodeJS.ProcessEnv): Context {
  const str = (x: string | boolean | undefined) => (typeof x === 'string' && x !== '' ? x : undefined);
  const url = str(v.url) ?? (env.SILKGATE_URL || 'http://127.0.0.1:8080');
  if (!URL.canParse(url)) throw new CliError(`--url: not a URL: "${url}"`, 2);
  const dataDir = str(v['data-dir']) ?? (env.SILKGATE_DATA_DIR || './data');
  return {
    url,
    dataDir,
    json: v.json === true,
    key() {
      const k = str(v.key) ?? (str(v.as) ? demoKey(dataDir, String(v.as)) : env.SILKGATE_API_KEY);
      if (!k) throw new CliError(NO_KEY_HINT, 2);
      return k;
    },
    keyFor: (role) => demoKey(dataDir, role),
    client: (key) => createClient(url, key),
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { name, rest } = splitCommand(argv);
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (name === 'help' || (!name && wantsHelp)) {
    const topic = rest.find((a) => !a.startsWith('-'));
    say(process.stdout, topic && Object.hasOwn(COMMANDS, topic) ? helpOf(topic) : USAGE);
    return 0;
  }
  if (!name || !Object.hasOwn(COMMANDS, name)) {
    say(process.stderr, `${name ? `silkgate: unknown command "${name}"\n\n` : ''}${USAGE}`);
    return 2;
  }
  const cmd = COMMANDS[name];
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL, ...cmd.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    say(process.stderr, `silkgate ${name}: ${(err as Error).message}\nRun "silkgate ${name} --help" for usage.`);
    return 2;
  }
  if (parsed.values.help) {
    say(process.stdout, helpOf(name));
    return 0;
  }
  try {
    return await cmd.run(context(parsed.values, env), parsed.positionals, parsed.values);
  } catch (err) {
    if (err instanceof CliError) {
      say(process.stderr, `silkgate ${name}: ${err.message}${err.exitCode === 2 && err.message !== NO_KEY_HINT ? `\nRun "silkgate ${name} --help" for usage.` : ''}`);
      return err.exitCode;
    }
    if (err instanceof ApiError) {
      say(process.stderr, [`silkgate ${name}: ${err.status} ${err.code}: ${err.message}`, ...err.issues.map((i) => `  ${formatIssue(i)}`)].join('\n'));
      return 1;
    }
    throw err;
  }
}

// Output piped into `head` and the like: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
