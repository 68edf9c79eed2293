import { Application, TeamsAdapter, TurnState } from '../teams/sdk';
import restify from 'restify';
import { z } from 'zod';
import { Logger } from '../log';

export interface ServerDeps {
  adapter: TeamsAdapter;
  app: Application<TurnState>;
  /** Whether the database answers: /readyz reports it for load balancers and orchestrators. */
  isReady: () => Promise<boolean>;
  log: Logger;
}

/**
 * The envelope every Bot Framework activity has. Anything else is refused with 400 before
 * it reaches the adapter; the fields inside are parsed by each route's own schema.
 */
const activityEnvelope = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().max(512).optional(),
    serviceUrl: z.string().url().max(2048),
    channelId: z.string().max(64),
    conversation: z.object({ id: z.string().min(1).max(1024) }).passthrough(),
    from: z.object({ id: z.string().min(1).max(512) }).passthrough(),
    recipient: z.object({ id: z.string().min(1).max(512) }).passthrough(),
  })
  .passthrough();

export function createServer({ adapter, app, isReady, log }: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'valittaja' });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    const envelope = activityEnvelope.safeParse(req.body);
    if (!envelope.success) {
      log.info({ path: '/api/messages' }, 'refused: not a Bot Framework activity');
      res.send(400, { error: 'not a Bot Framework activity' });
      return;
    }
    await adapter.process(req, res, async (context) => {
      await app.run(context);
    });
  });

  // Clients check that the endpoint is up with a GET (the Agents Playground does at every
  // connect): answered here with 405 and the method to use, not logged as a failed request.
  server.get('/api/messages', (_req, res, next) => {
    res.header('Allow', 'POST');
    res.send(405, { error: 'POST Bot Framework activities to this endpoint' });
    next();
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
