/**
 * Name search, the same on every PostgreSQL: names and queries are lower-cased here (JavaScript's
 * toLowerCase is locale-independent), not by the database, whose lower() follows its collation. The
 * stored key is campaigns.name_search; a query is a LIKE pattern on it with `%`, `_` and `\` literal.
 */
export const nameSearchKey = (name: string): string => name.toLowerCase();

export const containsPattern = (query: string): string =>
  `%${nameSearchKey(query).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
