-- The event feed (docs/events.md): every audit entry is an event. A reader sees events in the order of
-- (tx_id, seq) and only below the oldest running transaction (pg_snapshot_xmin of its snapshot), so an
-- event whose transaction started earlier but commits later is never skipped by a reader that already
-- passed later ones. tx_id is the writing transaction's id (xid8, as bigint for Prisma).
ALTER TABLE "audit_events" ADD COLUMN "tx_id" BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);

-- A brand's events in feed order (events.list, the live stream), and every brand's (the process-wide
-- poller that wakes streams).
CREATE INDEX "audit_events_brand_tx_seq_idx" ON "audit_events"("brand_id", "tx_id", "seq");
CREATE INDEX "audit_events_tx_seq_idx" ON "audit_events"("tx_id", "seq");
