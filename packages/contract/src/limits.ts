/** Limits that protect everyone (API.md): the server enforces them, the typed client stays inside them. */
export const REQUEST_LIMITS = {
  /** Objects and arrays in a request body (a tRPC call's input), the top level counting as 1. */
  maxJsonDepth: 32,
  /** Issues listed in a validation error's `details.issues`; `details.issue_count` has the total. */
  maxValidationIssues: 20,
  /** Calls in one tRPC batch (`TRPC_MAX_BATCH` may lower it); more is 400 `batch_too_large`. */
  trpcMaxBatch: 50,
  /** Longest URL the typed client sends: a batch of GETs goes over several requests past it. */
  trpcMaxUrlLength: 8_000,
  /** Live streams one token may hold open at once on one server process; more is 429 `too_many_streams`. */
  streamsPerToken: 10,
} as const;
