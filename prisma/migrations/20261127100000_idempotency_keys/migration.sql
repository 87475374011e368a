-- CreateTable
CREATE TABLE "idempotency_keys" (
    "brand_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "procedure" TEXT NOT NULL,
    "response_status" INTEGER,
    "response_body" JSON,
    "locked_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("brand_id","key")
);

-- CreateIndex
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

-- ---------------------------------------------------------------------------------------------------
-- Invariants schema.prisma cannot express.
-- ---------------------------------------------------------------------------------------------------

-- A key is either in progress (a lease, no response yet) or completed (a response, no lease).
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_state_check" CHECK (
  ("response_status" IS NULL AND "response_body" IS NULL AND "locked_until" IS NOT NULL)
  OR ("response_status" IS NOT NULL AND "response_body" IS NOT NULL AND "locked_until" IS NULL)
);
