-- CreateTable
CREATE TABLE "audit_events" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "brand_id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "step_id" TEXT,
    "action" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_events_campaign_seq_idx" ON "audit_events"("campaign_id", "seq");

-- ---------------------------------------------------------------------------------------------------
-- Invariants schema.prisma cannot express.
-- ---------------------------------------------------------------------------------------------------

-- The audit trail is append-only: a row, once written, is never changed or removed — not by the
-- application, and not by anyone connected as the table's owner either (triggers bind the owner; a
-- REVOKE would not). Only a superuser or the owner dropping or disabling these triggers can get past
-- them, which is itself a schema change (docs/hardening.md, Audit trail). There is deliberately no
-- foreign key to campaigns: the trail outlives what it describes, and no cascade can reach it.
CREATE FUNCTION "audit_events_are_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER "audit_events_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_are_append_only"();

CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_are_append_only"();

-- Roles other than the owner get no way to change history even if granted broadly later on.
REVOKE UPDATE, DELETE, TRUNCATE ON "audit_events" FROM PUBLIC;
