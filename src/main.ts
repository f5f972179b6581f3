/** Process entry: config → app → listen. */
import { ConfigError, loadConfig } from './config/index.ts';
import { createApp } from './app.ts';
import { startDemoTraffic, type Traffic } from './demo/traffic.ts';

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
  log.info(`Web console: ${address.replace('0.0.0.0', '127.0.0.1')}/`);
  if (app.demoCredentialsFile) log.info(`Demo zone created; API keys and console logins in ${app.demoCredentialsFile}`);
  let traffic: Traffic | null = null;
  const trafficArg = process.argv.slice(2).find((a) => a === '--demo-traffic' || a.startsWith('--demo-traffic='));
  if (trafficArg) {
    const perMinute = trafficArg.includes('=') ? Number(trafficArg.split('=')[1]) : 30;
    if (!config.demo) throw new Error('--demo-traffic needs the demo zone (SILKGATE_DEMO is off)');
    if (!Number.isFinite(perMinute) || perMinute <= 0 || perMinute > 6000) throw new Error('--demo-traffic=N: flows a minute, from 1 to 6000');
    const local = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]');
    traffic = startDemoTraffic({ url: local, dataDir: config.dataDir, perMinute, log });
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: shutting down`);
    await traffic?.stop();
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
