/** Process entry: config → app → listen. */
import { ConfigError, loadConfig } from './config/index.ts';
import { createApp } from './app.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`silkgate: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const app = await createApp(config);
  await app.startWorkers();
  const address = await app.http.listen({ port: config.port, host: config.host });
  const log = app.http.log;
  log.info(`Silkgate listening on ${address} — database ${app.db.dialect} (${app.db.where}), transport ${app.transport.name}`);
  log.info(`API docs: ${address.replace('0.0.0.0', '127.0.0.1')}/docs`);
  if (app.demoCredentialsFile) log.info(`Demo zone created; API keys and console logins in ${app.demoCredentialsFile}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: shutting down`);
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
