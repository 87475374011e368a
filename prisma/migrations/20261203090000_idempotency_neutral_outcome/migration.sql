-- An idempotency record stores the outcome, not a REST response: whether the first call succeeded and
-- its value or `{error, message, details}` (docs/hardening.md). Each surface maps it at its edge (REST's
-- status comes from the procedure's success status or the error code), so the status column goes.
ALTER TABLE "idempotency_keys" ADD COLUMN "succeeded" BOOLEAN;
UPDATE "idempotency_keys" SET "succeeded" = ("response_status" < 400) WHERE "response_status" IS NOT NULL;
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_state_check";
ALTER TABLE "idempotency_keys" DROP COLUMN "response_status";
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_state_check" CHECK (
  ("succeeded" IS NULL AND "response_body" IS NULL AND "locked_until" IS NOT NULL)
  OR ("succeeded" IS NOT NULL AND "response_body" IS NOT NULL AND "locked_until" IS NULL)
);
