-- CreateEnum
CREATE TYPE "campaign_status" AS ENUM ('draft', 'scheduled', 'sending', 'sent', 'cancelled');

-- CreateTable
CREATE TABLE "campaigns" (
    "id" TEXT NOT NULL,
    "brand_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "segment_id" TEXT NOT NULL,
    "status" "campaign_status" NOT NULL DEFAULT 'draft',
    "scheduled_at" TIMESTAMPTZ(3),
    "published_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_steps" (
    "id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "template_id" TEXT NOT NULL,
    "template_version_id" TEXT NOT NULL,
    "delay_minutes" INTEGER NOT NULL DEFAULT 0,
    "variables" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaign_steps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "campaigns_brand_created_idx" ON "campaigns"("brand_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "campaigns_brand_status_created_idx" ON "campaigns"("brand_id", "status", "created_at" DESC, "id" DESC);

-- CreateIndex
-- Prisma would emit CREATE UNIQUE INDEX "campaign_steps_campaign_id_position_key" here; the same name is
-- declared below as a DEFERRABLE constraint instead.

-- AddForeignKey
ALTER TABLE "campaign_steps" ADD CONSTRAINT "campaign_steps_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------------
-- Invariants schema.prisma cannot express. Everything above is what `prisma migrate dev` generates
-- for schema.prisma; keep this section at the end of any migration that touches these tables.
-- ---------------------------------------------------------------------------------------------------

-- Step positions are exactly 0..n-1 per campaign. Reordering shifts many positions in one UPDATE, which
-- collides row by row with a plain unique index; a deferred constraint is checked once, at commit.
-- (Consequence: it cannot be an ON CONFLICT arbiter.)
ALTER TABLE "campaign_steps" ADD CONSTRAINT "campaign_steps_campaign_id_position_key" UNIQUE ("campaign_id", "position") DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE "campaign_steps" ADD CONSTRAINT "campaign_steps_position_nonnegative" CHECK ("position" >= 0);

-- At most one year (365 * 24 * 60 minutes) between steps.
ALTER TABLE "campaign_steps" ADD CONSTRAINT "campaign_steps_delay_minutes_range" CHECK ("delay_minutes" BETWEEN 0 AND 525600);

-- Template variables are a JSON object (name -> value), never an array or scalar.
ALTER TABLE "campaign_steps" ADD CONSTRAINT "campaign_steps_variables_is_object" CHECK (jsonb_typeof("variables") = 'object');

-- Lifecycle timestamps agree with the status. For booleans `a <= b` reads "a implies b" and `a = b`
-- reads "a if and only if b"; status is NOT NULL, so neither side is ever NULL.
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_scheduled_has_schedule" CHECK (("status" = 'scheduled') <= ("scheduled_at" IS NOT NULL AND "published_at" IS NOT NULL));
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_cancelled_iff_cancelled_at" CHECK (("status" = 'cancelled') = ("cancelled_at" IS NOT NULL));
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_sent_iff_sent_at" CHECK (("status" = 'sent') = ("sent_at" IS NOT NULL));
