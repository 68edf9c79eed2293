import { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import restify from 'restify';
import { Logger } from '../log';

export interface ServerDeps {
  adapter: TeamsAdapter;
  app: Application<TurnState>;
  /** Whether the database answers: /readyz reports it for load balancers and orchestrators. */
  isReady: () => Promise<boolean>;
  log: Logger;
}

export function createServer({ adapter, app, isReady, log }: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'valittaja' });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, async (context) => {
      await app.run(context);
    });
  });

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });

  server.get('/readyz', async (_req, res) => {
    const ready = await isReady();
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'database unreachable' });
  });

  server.on('restifyError', (req, res, err, cb) => {
    log.warn({ path: req.path(), status: (err as { statusCode?: number }).statusCode }, 'request failed');
    return cb();
  });
  return server;
}
