import type pg from 'pg';
import { PipelinedLanes } from './pipelined-lanes';

/**
 * Short reads (one statement outside a transaction that takes no row lock: a campaign by id, a page of
 * the list) on their own lanes (pipelined-lanes.ts): the reads of one event-loop turn go to PostgreSQL
 * in one socket write. Statements that can wait on a lock do not belong here (they would stall the
 * lane): writes, `FOR UPDATE`, advisory locks.
 */
export class PipelinedReads {
  private readonly lanes: PipelinedLanes;

  constructor(config: pg.ClientConfig, laneCount: number) {
    this.lanes = new PipelinedLanes(config, laneCount);
  }

  /** The rows of `config`, read on the least busy lane. */
  read(config: pg.QueryConfig): Promise<unknown[]> {
    return this.lanes.send(async (client) => (await client.query(config)).rows);
  }

  close(): Promise<void> {
    return this.lanes.close();
  }
}
