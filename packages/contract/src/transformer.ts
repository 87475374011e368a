import superjson from 'superjson';

/** The one tRPC data transformer, shared by the server and every client. */
export const transformer = superjson;
