-- Lineage: the code version each step record ran with (a built-in's `name@N`, a user step's `version:` or `module:<sha256>`),
-- the part of its cache key a person can read. NULL on records made before this migration.
ALTER TABLE step_runs ADD COLUMN code_version text;
