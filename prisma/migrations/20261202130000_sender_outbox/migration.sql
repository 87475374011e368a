-- The sender's outbox (docs/dispatch.md, "The sender"): one row per fired step, written in the firing
-- transaction and deleted once the sender has taken it. A row left behind (a crash between commit and
-- hand-off, a failing sender) is handed off again by any dispatcher: at least once, keyed by delivery id.
CREATE TABLE "sender_outbox" (
    "delivery_id" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retry_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sender_outbox_pkey" PRIMARY KEY ("delivery_id")
);
CREATE INDEX "sender_outbox_retry_idx" ON "sender_outbox"("retry_at");
