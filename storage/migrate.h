/*
 * migrate.h - applies the numbered SQL files of migrations/ (embedded in the binary).
 *
 * Each pending migration runs in its own transaction and is recorded in
 * schema_migrations; an advisory lock keeps two starting instances from racing. Running
 * it again applies nothing: migrate_apply(url, &n) sets n = 0 on an up-to-date database.
 */
#ifndef LIQ_MIGRATE_H
#define LIQ_MIGRATE_H

struct migration {
    const char *name; /* "001_init.sql" */
    const char *sql;
};

extern const struct migration MIGRATIONS[];
extern const int MIGRATION_COUNT;

/* Applies pending migrations. Returns 0 on success (applied set to how many ran), -1 on
 * failure with a message in err (size errlen). */
int migrate_apply(int *applied, char *err, int errlen);

#endif
