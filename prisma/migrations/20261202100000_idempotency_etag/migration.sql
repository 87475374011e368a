-- The ETag a stored first response carried (a Campaign's or a Step's campaign version), replayed with it.
ALTER TABLE "idempotency_keys" ADD COLUMN "response_etag" TEXT;
