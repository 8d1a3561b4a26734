import GRDB

/// The journal's tables, as versioned migrations: a journal written by an older molt is
/// brought forward when a newer one opens it, never rewritten from scratch.
///
/// Dates are GRDB's text form (`YYYY-MM-DD HH:MM:SS.SSS`, UTC) so `sqlite3` shows them readably
/// and they sort as text; host lists are JSON arrays.
enum JournalSchema {
    /// The identifier of the first migration, which every molt journal has recorded.
    static let firstMigration = "v1: runs, batches, steps, outcomes"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(firstMigration) { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id TEXT NOT NULL PRIMARY KEY,
                        command TEXT NOT NULL,
                        playbook TEXT NOT NULL,
                        playbook_path TEXT NOT NULL,
                        user TEXT NOT NULL,
                        coordinator TEXT NOT NULL,
                        pid INTEGER NOT NULL,
                        started DATETIME NOT NULL,
                        finished DATETIME,
                        result TEXT,
                        planned_hosts TEXT NOT NULL,
                        details TEXT
                    );
                    CREATE INDEX runs_by_start ON runs(started);

                    CREATE TABLE batches (
                        run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        idx INTEGER NOT NULL,
                        hosts TEXT NOT NULL,
                        started DATETIME NOT NULL,
                        finished DATETIME,
                        PRIMARY KEY (run, idx)
                    );

                    CREATE TABLE steps (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        host TEXT NOT NULL,
                        service TEXT NOT NULL,
                        step TEXT NOT NULL,
                        started DATETIME NOT NULL,
                        finished DATETIME,
                        outcome TEXT,
                        detail TEXT
                    );
                    CREATE INDEX steps_by_run ON steps(run);

                    CREATE TABLE outcomes (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        host TEXT NOT NULL,
                        service TEXT NOT NULL,
                        container TEXT NOT NULL,
                        from_image TEXT,
                        to_image TEXT,
                        outcome TEXT NOT NULL,
                        seconds REAL NOT NULL,
                        error TEXT,
                        previous_container TEXT,
                        at DATETIME NOT NULL
                    );
                    CREATE INDEX outcomes_by_run ON outcomes(run);
                    """)
        }
        return migrator
    }
}
