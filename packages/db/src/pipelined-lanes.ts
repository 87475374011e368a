import { Socket } from 'node:net';
import pg from 'pg';
import { isDatabaseUnavailable } from './unavailable';

/**
 * A few dedicated connections ("lanes") in pg's pipeline mode: what is sent to a lane within one
 * event-loop turn goes out in ONE socket write, and the backend answers it in order. Each unit sent ends
 * with its own Sync, so it is its own implicit transaction: one failing does not touch the others.
 *
 * Why: on this machine a write to PostgreSQL's socket costs ~45 µs of the sender's CPU (the loopback
 * wake-up of the backend) and the backend as much to wake, the largest single item of a short statement
 * (docs/performance.md). A pool sends each unit in its own write; a lane sends all that queued meanwhile
 * in one. Used for short reads (pipelined-reads.ts) and for the one-round-trip changes (client.ts,
 * pipelinedTransaction).
 *
 * The cost: units on one lane run one after another in its backend, so a slow one (or one waiting on a
 * row lock) delays those queued behind it on that lane; a new unit goes to the lane with the fewest in
 * flight. Nothing that waits on JavaScript between statements belongs here.
 */

/** Sends one unit on a lane's client (synchronously: it is written with the others of its turn). */
export type LaneSubmit<T> = (client: pg.Client) => Promise<T>;

interface Pending {
  submit: LaneSubmit<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Connected {
  client: pg.Client;
  socket: Socket;
}

class Lane {
  inFlight = 0;
  private connection: Promise<Connected> | undefined;
  /** The connection once open (to discard it when the server ends it). */
  private current: Connected | undefined;
  private queued: Pending[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  send<T>(submit: LaneSubmit<T>): Promise<T> {
    this.inFlight++;
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ submit, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After the poll phase: every request read from the sockets in this turn has queued its unit.
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
    lane.socket.cork();
    try {
      for (const { submit, resolve, reject } of batch) {
        let sent: Promise<unknown>;
        try {
          sent = submit(lane.client);
        } catch (error) {
          reject(error);
          continue;
        }
        sent.then(resolve, (error: unknown) => {
          // The server said it is ending this connection (e.g. 57P01) before the socket closes: units
          // queued from now on must go to a new one, not to this one in its last moments.
          if (isDatabaseUnavailable(error)) this.discard(lane);
          reject(error);
        });
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
    // A lost connection fails the units sent on it (pg rejects them); the next unit opens a new one.
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

export class PipelinedLanes {
  private readonly lanes: Lane[];

  constructor(config: pg.ClientConfig, laneCount: number) {
    this.lanes = Array.from({ length: laneCount }, () => new Lane(config));
  }

  /** Sends one unit on the least busy lane. */
  send<T>(submit: LaneSubmit<T>): Promise<T> {
    let lane = this.lanes[0] as Lane;
    for (const candidate of this.lanes) if (candidate.inFlight < lane.inFlight) lane = candidate;
    return lane.send(submit);
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.close()));
  }
}
