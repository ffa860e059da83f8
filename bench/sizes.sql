-- Disk used by the bench database: the whole database, then the 15 largest tables with their indexes.
-- psql "$DATABASE_URL" -f bench/sizes.sql   (README: Benchmarks, "Ten years")
SELECT 'database' AS what, pg_database_size(current_database()) AS bytes, pg_size_pretty(pg_database_size(current_database())) AS pretty;
SELECT c.relname, c.reltuples::bigint AS rows_est,
       pg_size_pretty(pg_table_size(c.oid)) AS heap_toast,
       pg_size_pretty(pg_indexes_size(c.oid)) AS indexes,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS total,
       pg_total_relation_size(c.oid) AS total_bytes, pg_table_size(c.oid) AS table_bytes, pg_indexes_size(c.oid) AS index_bytes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = 'public'
ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 15;
