/** OAuth-style scopes carried in the token's space-separated `scope` claim. */
export const SCOPES = {
  read: 'messaging:campaigns:read',
  write: 'messaging:campaigns:write',
  webhooksRead: 'messaging:webhooks:read',
  webhooksWrite: 'messaging:webhooks:write',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
