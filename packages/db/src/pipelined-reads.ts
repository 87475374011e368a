import { Socket } from 'node:net';
import pg from 'pg';
import { isDatabaseUnavailable } from './unavailable';

/**
 * Short reads (one statement outside a transaction that takes no row lock: a campaign by id, a page of
 * the list) sent in pg's pipeline mode over a few dedicated connections ("lanes"), and the reads of the
 * same event-loop turn written to a lane in ONE socket write.
 *
 * Why: on this machine a write to PostgreSQL's socket costs ~45 µs of the sender's CPU (the loopback
 * wake-up of the backend), the largest single item of a `get` (docs/performance.md) — as much as the
 * rest of the floor's request. A pool sends each read in its own write; a lane sends all that queued
 * meanwhile in one. Each read still is its own statement with its own Sync (its own implicit
 * transaction): one failing does not touch the others.
 *
 * The cost: reads on one lane run one after another in its backend, so a slow read delays those queued
 * behind it on that lane (a new read goes to the lane with the fewest in flight). Statements that can
 * wait on a lock do not belong here (they would stall the lane): writes, `FOR UPDATE`, advisory locks.
 */

interface Pending {
  config: pg.QueryConfig;
  resolve: (rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

interface Connected {
  client: pg.Client;
  socket: Socket;
}

class Lane {
  inFlight = 0;
  private connection: Promise<Connected> | undefined;
  /** The connection once open (to discard it from a failed read). */
  private current: Connected | undefined;
  private queued: Pending[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  read(config: pg.QueryConfig): Promise<unknown[]> {
    this.inFlight++;
    return new Promise<unknown[]>((resolve, reject) => {
      this.queued.push({ config, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After the poll phase: every request read from the sockets in this turn has queued its read.
        setImmediate(() => void this.flush());
      }
    }).finally(() => {
      this.inFlight--;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    this.current = undefined;
    if (connection) await connection.then(({ client }) => client.end()).catch(() => {});
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    let lane: Connected;
    try {
      if (this.closed) throw new Error('Connection is closed');
      lane = await this.connect();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    const failed = (error: unknown) => {
      // The server said it is ending this connection (e.g. 57P01) before the socket closes: reads queued
      // from now on must go to a new one, not to this one in its last moments.
      if (isDatabaseUnavailable(error)) this.discard(lane);
    };
    lane.socket.cork();
    try {
      for (const { config, resolve, reject } of batch) {
        lane.client.query(config).then(
          (result) => resolve(result.rows),
          (error: unknown) => {
            failed(error);
            reject(error);
          },
        );
      }
    } finally {
      lane.socket.uncork();
    }
  }

  private discard(lane: Connected): void {
    if (this.current !== lane) return;
    this.connection = undefined;
    this.current = undefined;
    lane.socket.destroy();
  }

  private connect(): Promise<Connected> {
    if (this.connection) return this.connection;
    const socket = new Socket();
    const client = new pg.Client({ ...this.config, pipeline: true, stream: () => socket });
    const connection = client.connect().then(() => {
      const connected = { client, socket };
      if (this.connection === connection) this.current = connected;
      return connected;
    });
    this.connection = connection;
    // A lost connection fails the reads sent on it (pg rejects them); the next read opens a new one.
    const forget = () => {
      if (this.connection !== connection) return;
      this.connection = undefined;
      this.current = undefined;
    };
    client.on('error', forget);
    client.on('end', forget);
    connection.catch(forget);
    return connection;
  }
}

export class PipelinedReads {
  private readonly lanes: Lane[];

  constructor(config: pg.ClientConfig, laneCount: number) {
    this.lanes = Array.from({ length: laneCount }, () => new Lane(config));
  }

  /** The rows of `config`, read on the least busy lane. */
  read(config: pg.QueryConfig): Promise<unknown[]> {
    let lane = this.lanes[0] as Lane;
    for (const candidate of this.lanes) if (candidate.inFlight < lane.inFlight) lane = candidate;
    return lane.read(config);
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.close()));
  }
}
