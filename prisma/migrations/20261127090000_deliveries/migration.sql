-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "next_due_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "deliveries" (
    "id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "step_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "fired_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "campaigns_next_due_idx" ON "campaigns"("next_due_at");

-- CreateIndex
CREATE INDEX "deliveries_step_id_idx" ON "deliveries"("step_id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_campaign_id_step_id_key" ON "deliveries"("campaign_id", "step_id");

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_step_id_fkey" FOREIGN KEY ("step_id") REFERENCES "campaign_steps"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------------
-- Data, which `prisma migrate dev` would not write.
-- ---------------------------------------------------------------------------------------------------

-- Campaigns scheduled before the dispatcher existed become due at their scheduled_at (a `sending` one
-- cannot exist yet; if it did, it would restart at its first unfired step, which is still correct).
UPDATE "campaigns" SET "next_due_at" = "scheduled_at" WHERE "status" IN ('scheduled', 'sending');

-- ---------------------------------------------------------------------------------------------------
-- Invariants schema.prisma cannot express.
-- ---------------------------------------------------------------------------------------------------

-- A delivery records a step that fired; it is written once and never changed. (Deleting is left to
-- the cascade from a deleted campaign.)
CREATE FUNCTION "deliveries_are_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'deliveries are immutable: % cannot be updated', OLD."id" USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER "deliveries_are_immutable" BEFORE UPDATE ON "deliveries" FOR EACH ROW EXECUTE FUNCTION "deliveries_are_immutable"();
