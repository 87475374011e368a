-- Send windows (docs/lifecycle.md): NULL means steps fire at any time.
ALTER TABLE "campaigns" ADD COLUMN "send_window" JSONB;

-- Name search (docs/performance.md, "Search"): the name lower-cased by the service (JavaScript's
-- locale-independent toLowerCase), so that matching is the same on every PostgreSQL whatever its
-- collation; existing rows are filled once with the database's lower().
ALTER TABLE "campaigns" ADD COLUMN "name_search" TEXT;
UPDATE "campaigns" SET "name_search" = lower("name");
ALTER TABLE "campaigns" ALTER COLUMN "name_search" SET NOT NULL;

-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "campaigns_name_search_trgm_idx" ON "campaigns" USING gin ("name_search" gin_trgm_ops);
