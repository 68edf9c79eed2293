import { MongoBulkWriteError, MongoClient, MongoNetworkError, MongoNetworkTimeoutError, MongoServerError, MongoServerSelectionError, MongoWriteConcernError } from 'mongodb';
import { driverOptions, isDatabaseUnavailable } from '../../../src/store/db';

// What a cloud database answers while it scales, fails over or throttles must be handled like a
// brief outage ("temporarily unavailable, try again"; the outbox and jobs retry), and nothing
// else: a duplicate key or a bad query retried would only fail again.

/** An insertMany's error: the first document's code on top, each document's in writeErrors. */
const bulk = (codes: number[]) => new MongoBulkWriteError({ message: 'bulk write failed', code: codes[0], writeErrors: codes.map((code, index) => ({ index, code, errmsg: code === 16500 ? 'Request rate is large' : 'E11000 duplicate key' })) } as never, {} as never);
const server = (code: number, errmsg: string, extra: Record<string, unknown> = {}) => new MongoServerError({ ok: 0, code, errmsg, ...extra });

describe('isDatabaseUnavailable: transient', () => {
  test.each([
    ['Cosmos DB 16500 "request rate is large"', server(16500, 'Error=16500, RetryAfterMs=12, Details=\'Response status code does not indicate success: TooManyRequests (429)\'', { codeName: 'TooManyRequests' })],
    ['Cosmos DB 50: server-side retry timed out', server(50, 'Request timed out. Retries due to rate limiting: True.', { codeName: 'ExceededTimeLimit' })],
    ['primary stepped down (189)', server(189, 'PrimarySteppedDown', { codeName: 'PrimarySteppedDown' })],
    ['NotWritablePrimary during failover (10107)', server(10107, 'not primary', { codeName: 'NotWritablePrimary' })],
    ['shutdown in progress (91)', server(91, 'The server is in quiesce mode and will shut down')],
    ['interrupted by a replica-set state change (11602)', server(11602, 'operation was interrupted')],
    ['Atlas ingress rate limit (462)', server(462, 'rate limit exceeded')],
    ['a retryable write error by label, whatever the code', server(999, 'anything', { errorLabels: ['RetryableWriteError'] })],
    ['a transient transaction error by label', server(251, 'NoSuchTransaction', { errorLabels: ['TransientTransactionError'] })],
    ['a write concern error while a secondary lags (64)', new MongoWriteConcernError({ writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' } } as never)],
    ['a legacy "not master" message without a code', Object.assign(new Error('not master and secondaryOk=false'), { name: 'MongoServerError' })],
    ['network error', new MongoNetworkError('connection reset')],
    ['network timeout', new MongoNetworkTimeoutError('timed out')],
    ['no server selectable', new MongoServerSelectionError('Server selection timed out after 2500 ms', { type: 'Unknown', servers: new Map(), stale: false, compatible: true, heartbeatFrequencyMS: 10000, localThresholdMS: 15 } as never)],
    ['a bulk write whose every document was throttled', bulk([16500, 16500])],
    ['a transient error wrapped as the cause of another', Object.assign(new Error('turn failed'), { cause: server(16500, 'Request rate is large') })],
  ])('%s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});

describe('isDatabaseUnavailable: not transient', () => {
  test.each([
    ['duplicate key (11000)', server(11000, 'E11000 duplicate key error collection: valittaja.offers index: _id_')],
    ['bad value (2)', server(2, 'BadValue')],
    ['document failed validation (121)', server(121, 'Document failed validation')],
    ['unauthorized (13)', server(13, 'not authorized on valittaja to execute command')],
    ['a bulk write with a duplicate among throttled documents', bulk([16500, 11000])],
    ['a plain programming error', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['nothing', undefined],
    ['not an error', 'Request rate is large'],
  ])('%s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('driver options: MONGODB_URI decides', () => {
  const uri = 'mongodb://db.example:27017/valittaja';

  test('the bot\'s defaults apply when the URI sets nothing', () => {
    const client = new MongoClient(uri, driverOptions(uri));
    expect(client.options).toMatchObject({ serverSelectionTimeoutMS: 2500, connectTimeoutMS: 2500, maxPoolSize: 100, appName: 'valittaja', ignoreUndefined: true });
  });

  test('timeouts and pool size given in the URI win (any letter case), the rest keep the defaults', () => {
    const tuned = `${uri}?serverselectiontimeoutms=30000&connectTimeoutMS=10000&socketTimeoutMS=60000&maxPoolSize=20&retryWrites=false&tls=true`;
    const client = new MongoClient(tuned, driverOptions(tuned));
    expect(client.options).toMatchObject({ serverSelectionTimeoutMS: 30000, connectTimeoutMS: 10000, socketTimeoutMS: 60000, maxPoolSize: 20, retryWrites: false, appName: 'valittaja' });
    const srv = 'mongodb+srv://user:p%40ss@cluster0.example.mongodb.net/?appName=county&serverSelectionTimeoutMS=15000';
    expect(driverOptions(srv)).not.toHaveProperty('serverSelectionTimeoutMS');
    expect(driverOptions(srv)).not.toHaveProperty('appName');
    expect(driverOptions(srv)).toMatchObject({ connectTimeoutMS: 2500, ignoreUndefined: true });
  });
});
