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
 * the hook pg offers for custom protocol flows (pg-cursor uses it). On a client in pipeline mode (a
 * write lane, pipelined-lanes.ts) its named statements must already be parsed there (`prepared`:
 * StatementPreparation, sent just before it), so that a batch that fails cannot leave the batches
 * pipelined behind it without a statement they use.
 *
 * Both extend pg's Query only because pg's pipeline mode accepts no other submittable; every method pg
 * calls is their own.
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

interface TypeSource {
  getTypeParser(oid: number, format?: string): unknown;
}

const { prepareValue } = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils;

/** A RowDescription's field, as pg-protocol parses it. */
interface FieldDescription {
  name: string;
  dataTypeID: number;
}

type ValueParser = (text: string) => unknown;

/**
 * How to build the rows of one statement's result: its column names and their type parsers. pg's Result
 * rebuilds this for every result, through a dictionary-mode object and its spread, and copies that into
 * every row: addFields and parseRow were ~1.8 % of the API's CPU under the change benchmark
 * (docs/performance.md). Here it is built once per named statement and connection, and
 * reused while the server describes the same columns (names and types are compared on every result).
 */
class RowShape {
  private constructor(
    private readonly fields: readonly FieldDescription[],
    private readonly parsers: readonly ValueParser[],
  ) {}

  static of(fields: readonly FieldDescription[], types: TypeSource): RowShape {
    return new RowShape(
      fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })),
      fields.map(({ dataTypeID }) => types.getTypeParser(dataTypeID, 'text') as ValueParser),
    );
  }

  describes(fields: readonly FieldDescription[]): boolean {
    if (fields.length !== this.fields.length) return false;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as FieldDescription;
      const known = this.fields[i] as FieldDescription;
      if (field.name !== known.name || field.dataTypeID !== known.dataTypeID) return false;
    }
    return true;
  }

  /** A row as pg builds it in its default (object) mode: NULL is null, every other value parsed. */
  row(values: readonly (string | null)[]): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      row[(this.fields[i] as FieldDescription).name] =
        value === null || value === undefined ? null : (this.parsers[i] as ValueParser)(value);
    }
    return row;
  }
}

/** Per type source (a connection), the row shape of each named statement it has run. */
const shapesBySource = new WeakMap<TypeSource, Map<string, RowShape>>();

function rowShape(types: TypeSource, statement: string, fields: readonly FieldDescription[]): RowShape {
  if (statement === '') return RowShape.of(fields, types);
  let shapes = shapesBySource.get(types);
  if (!shapes) {
    shapes = new Map();
    shapesBySource.set(types, shapes);
  }
  const known = shapes.get(statement);
  if (known?.describes(fields)) return known;
  const shape = RowShape.of(fields, types);
  shapes.set(statement, shape);
  return shape;
}

/** pg's Query, whose constructor takes a config (it is only a base class here; see above). */
const QueryBase = pg.Query as unknown as new (config: object) => object;

export class StatementBatch extends QueryBase {
  /** Each statement's rows, in order; resolved at the Sync, rejected with the first error. */
  readonly done: Promise<unknown[][]>;
  /**
   * Names this batch parsed on its connection. If the batch fails, the server may or may not hold them
   * (an error skips the rest): the caller must then not reuse the connection (`parsedOnConnection`).
   */
  private readonly parsedHere: string[] = [];
  /**
   * Each statement's rows so far, and the shape of the one being received. (Not `rows`: pg reads that
   * name on a query as a row limit, which pipeline mode refuses.)
   */
  private readonly received: unknown[][] = [];
  private shape: RowShape | undefined;
  private current = 0;
  private settle!: { resolve: (rows: unknown[][]) => void; reject: (error: unknown) => void };

  constructor(
    private readonly statements: readonly pg.QueryConfig[],
    private readonly types: TypeSource,
    /** Its named statements were parsed on the connection beforehand (StatementPreparation). */
    private readonly prepared = false,
  ) {
    super({});
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
        if (name === '' || (!this.prepared && protocol.parsedStatements[name] === undefined)) {
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

  handleRowDescription(message: { fields: FieldDescription[] }): void {
    this.shape = rowShape(this.types, this.statements[this.current]?.name ?? '', message.fields);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const shape = this.shape;
    if (!shape) throw new Error('StatementBatch: a row arrived before its description');
    let rows = this.received[this.current];
    if (!rows) {
      rows = [];
      this.received[this.current] = rows;
    }
    rows.push(shape.row(message.fields));
  }

  handleCommandComplete(): void {
    this.shape = undefined;
    this.current++;
  }

  handleEmptyQuery(): void {
    this.shape = undefined;
    this.current++;
  }

  handleError(error: unknown, connection: pg.Connection): void {
    const protocol = connection as unknown as ProtocolConnection;
    // Unknown which of them the server kept: forget them (and the caller discards the connection).
    for (const name of this.parsedHere) delete protocol.parsedStatements[name];
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    this.settle.resolve(this.statements.map((_, index) => this.received[index] ?? []));
  }

  handlePortalSuspended(): void {
    this.settle.reject(new Error('StatementBatch: a portal was suspended (rows are never limited)'));
  }

  handleCopyInResponse(): void {
    this.settle.reject(new Error('StatementBatch: COPY is not supported'));
  }

  handleCopyData(): void {}
}

/**
 * Parses one named statement on a pipelined connection, in a Sync of its own, ahead of the batches that
 * use it: whatever happens to those batches later, the statement exists. Marks it parsed when sent, so
 * that the batches pipelined right behind do not parse it again; if the server refuses it (a bug in the
 * statement), forgets it again, and the batches that use it fail ("prepared statement does not exist").
 * One statement per preparation, so that a failure says exactly which one the connection lacks.
 */
export class StatementPreparation extends QueryBase {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };

  constructor(private readonly statement: { name: string; text: string }) {
    super({});
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  /** The named statements of `configs` not yet parsed (nor sent for parsing) on `connection`. */
  static needed(
    connection: pg.Connection,
    configs: readonly pg.QueryConfig[],
  ): Array<{ name: string; text: string }> {
    const parsed = (connection as unknown as ProtocolConnection).parsedStatements;
    const needed: Array<{ name: string; text: string }> = [];
    for (const { name, text } of configs) {
      if (name && parsed[name] === undefined && !needed.some((n) => n.name === name))
        needed.push({ name, text });
    }
    return needed;
  }

  submit(connection: pg.Connection): void {
    const protocol = connection as unknown as ProtocolConnection;
    const { name, text } = this.statement;
    protocol.stream.cork();
    try {
      protocol.parse({ text, name, types: [] });
      protocol.parsedStatements[name] = text;
      protocol.sync();
    } finally {
      protocol.stream.uncork();
    }
  }

  handleError(error: unknown, connection: pg.Connection): void {
    delete (connection as unknown as ProtocolConnection).parsedStatements[this.statement.name];
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    this.settle.resolve();
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}
}
