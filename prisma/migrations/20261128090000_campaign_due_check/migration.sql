-- The dispatcher's queue is next_due_at: a campaign is in it exactly while it is scheduled or sending.
-- A scheduled campaign without it would never be sent; a draft, sent or cancelled one with it would be
-- looked at for nothing. Not expressible in schema.prisma (see docs/dispatch.md).

-- Rows written before this constraint are brought in line first (a no-op for rows the service wrote).
UPDATE "campaigns" SET "next_due_at" = NULL
 WHERE "status" NOT IN ('scheduled', 'sending') AND "next_due_at" IS NOT NULL;
UPDATE "campaigns" SET "next_due_at" = COALESCE("scheduled_at", CURRENT_TIMESTAMP)
 WHERE "status" IN ('scheduled', 'sending') AND "next_due_at" IS NULL;

-- AddCheckConstraint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_due_iff_active"
  CHECK (("status" IN ('scheduled', 'sending')) = ("next_due_at" IS NOT NULL));
