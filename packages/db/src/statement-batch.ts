import pg from 'pg';

/**
 * Several statements sent as ONE extended-protocol message group with ONE Sync: Parse (first use on the
 * connection) / Bind / Describe / Execute per statement, then Sync, written in one socket write. The
 * server answers them in one flush. Without an explicit BEGIN they form one implicit transaction: all
 * commit at the Sync, or an error skips the rest and rolls all back (PostgreSQL's protocol docs,
 * "Pipelining"). Each Execute still takes its own snapshot in READ COMMITTED.
 *
 * pg sends every query with its own Sync, so a transaction of four statements costs the server four
 * cycles and four flushes, each waking the client; this is a pg "submittable" (`client.query(batch)`),
 * the hook pg offers for custom protocol flows (pg-cursor uses it). It runs on a client that is not in
 * pipeline mode.
 */

/** The parts of pg's Connection this uses (pg/lib/connection.js; partly in @types/pg). */
interface ProtocolConnection {
  stream: { cork(): void; uncork(): void };
  parsedStatements: Record<string, string>;
  parse(message: { text: string; name: string; types: number[] }): void;
  bind(message: {
    portal: string;
    statement: string;
    values: unknown[];
    binary: boolean;
    valueMapper: (value: unknown) => unknown;
  }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
  sync(): void;
}

/** pg's Result as a row builder (pg/lib/result.js). */
interface RowBuilder {
  rows: unknown[];
  addFields(fields: unknown[]): void;
  parseRow(fields: unknown[]): unknown;
  addRow(row: unknown): void;
}

interface TypeSource {
  getTypeParser(oid: number, format?: string): unknown;
}

const { prepareValue } = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils;
const ResultClass = (
  pg as unknown as { Result: new (rowMode: string | undefined, types: TypeSource) => RowBuilder }
).Result;

export class StatementBatch {
  /** Each statement's rows, in order; resolved at the Sync, rejected with the first error. */
  readonly done: Promise<unknown[][]>;
  /**
   * Names this batch parsed on its connection. If the batch fails, the server may or may not hold them
   * (an error skips the rest): the caller must then not reuse the connection (`parsedOnConnection`).
   */
  private readonly parsedHere: string[] = [];
  private readonly results: RowBuilder[] = [];
  private current = 0;
  private settle!: { resolve: (rows: unknown[][]) => void; reject: (error: unknown) => void };

  constructor(
    private readonly statements: readonly pg.QueryConfig[],
    private readonly types: TypeSource,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  /** Whether this batch parsed a named statement (then a failed batch leaves the connection unsure). */
  get parsedOnConnection(): boolean {
    return this.parsedHere.length > 0;
  }

  submit(connection: pg.Connection): void {
    const protocol = connection as unknown as ProtocolConnection;
    protocol.stream.cork();
    try {
      for (const statement of this.statements) {
        const name = statement.name ?? '';
        if (name === '' || protocol.parsedStatements[name] === undefined) {
          protocol.parse({ text: statement.text, name, types: [] });
          if (name !== '') {
            protocol.parsedStatements[name] = statement.text;
            this.parsedHere.push(name);
          }
        }
        protocol.bind({
          portal: '',
          statement: name,
          values: statement.values ?? [],
          binary: false,
          valueMapper: prepareValue,
        });
        protocol.describe({ type: 'P', name: '' });
        protocol.execute({ portal: '', rows: 0 });
      }
      protocol.sync();
    } finally {
      protocol.stream.uncork();
    }
  }

  private result(): RowBuilder {
    let result = this.results[this.current];
    if (!result) {
      result = new ResultClass(undefined, this.types);
      this.results[this.current] = result;
    }
    return result;
  }

  handleRowDescription(message: { fields: unknown[] }): void {
    this.result().addFields(message.fields);
  }

  handleDataRow(message: { fields: unknown[] }): void {
    const result = this.result();
    result.addRow(result.parseRow(message.fields));
  }

  handleCommandComplete(): void {
    this.current++;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  handleError(error: unknown, connection: pg.Connection): void {
    const protocol = connection as unknown as ProtocolConnection;
    // Unknown which of them the server kept: forget them (and the caller discards the connection).
    for (const name of this.parsedHere) delete protocol.parsedStatements[name];
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    this.settle.resolve(this.statements.map((_, index) => this.results[index]?.rows ?? []));
  }

  handlePortalSuspended(): void {
    this.settle.reject(new Error('StatementBatch: a portal was suspended (rows are never limited)'));
  }

  handleCopyInResponse(): void {
    this.settle.reject(new Error('StatementBatch: COPY is not supported'));
  }

  handleCopyData(): void {}
}
