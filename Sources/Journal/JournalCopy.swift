public import Foundation

/// Copies every run of one journal into another (`molt journal copy FROM TO`): from an SQLite
/// file into a PostgreSQL server a team shares, or back, with every batch, step and outcome.
///
/// Each run is written in one transaction, all of it or nothing; a run whose ID the target
/// already holds is left as it is and counted, so copying again is harmless and finishes a copy
/// that stopped part way. Locks are no part of it: they live on the hosts.
public struct JournalCopy: Sendable {
    /// What a copy did, for the line it prints.
    public struct Summary: Sendable, Hashable, CustomStringConvertible {
        /// The journal read, as messages show it (a server as `user@host:port/db`).
        public var from: String
        /// The journal written, as messages show it.
        public var to: String
        /// The runs written to `to`.
        public var runs = 0
        /// Their batches.
        public var batches = 0
        /// Their steps.
        public var steps = 0
        /// Their host outcomes.
        public var outcomes = 0
        /// The runs `to` already held, left as they were.
        public var alreadyThere = 0

        /// `copied 12 runs (20 batches, 340 steps, 48 outcomes) from A to B; 3 already there`.
        public var description: String {
            "copied \(count(runs, "run")) (\(count(batches, "batch", "batches")), \(count(steps, "step")), "
                + "\(count(outcomes, "outcome"))) from \(from) to \(to)"
                + (alreadyThere > 0 ? "; \(alreadyThere) already there" : "")
        }

        private func count(_ number: Int, _ one: String, _ many: String? = nil) -> String {
            "\(number) " + (number == 1 ? one : many ?? one + "s")
        }
    }

    /// The journal to read: an SQLite path or a `postgres://` URL, as `--journal` takes them.
    public var from: String
    /// The journal to write, created or migrated as `--journal` would.
    public var to: String
    /// Where a server's password may come from (`PGPASSWORD`, `~/.pgpass`).
    public var environment: [String: String]

    /// A copy from `from` to `to`; nothing is opened until ``perform()``.
    public init(from: String, to: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.from = from
        self.to = to
        self.environment = environment
    }

    /// Opens both journals (`from` only if it is already a journal), copies the runs `to` lacks,
    /// oldest first, and closes both.
    ///
    /// - Throws: ``JournalError`` naming the journal concerned: `from` and `to` the same journal,
    ///   either one unopenable, not a journal or damaged, or a write refused. Runs copied before
    ///   the error stay copied, and the message says how many.
    public func perform() async throws -> Summary {
        if let same = try sameJournal() {
            throw JournalError(
                path: Self.shown(from), code: .unopenable,
                message: "FROM and TO are the same journal\(same); name two different journals")
        }
        let source = try await Journal.openExisting(from, environment: environment)
        let target: Journal
        do {
            target = try await Journal.open(to, environment: environment)
        } catch {
            await source.close()
            throw error
        }
        var summary = Summary(from: source.path, to: target.path)
        do {
            let present = Set(try await target.runIDs())
            for id in try await source.runIDs() {
                if present.contains(id) {
                    summary.alreadyThere += 1
                    continue
                }
                guard let run = try await source.wholeRun(id: id) else { continue }  // deleted meanwhile
                if try await target.importRun(run) {
                    summary.runs += 1
                    summary.batches += run.batches.count
                    summary.steps += run.steps.count
                    summary.outcomes += run.outcomes.count
                } else {
                    summary.alreadyThere += 1  // written by another copy meanwhile
                }
            }
        } catch var error as JournalError where summary.runs > 0 {
            await source.close()
            await target.close()
            error.message += "; \(summary.runs) run\(summary.runs == 1 ? " was" : "s were") copied before this: "
                + "run the copy again to finish it"
            throw error
        } catch {
            await source.close()
            await target.close()
            throw error
        }
        await source.close()
        await target.close()
        return summary
    }

    /// `location` as messages name a journal: a server as `user@host:port/db`.
    private static func shown(_ location: String) -> String {
        guard Journal.isServer(location) else { return location }
        return (try? PostgresLocation(location, environment: [:]))?.description ?? Journal.withoutPassword(location)
    }

    /// Why `from` and `to` name the same journal (` (the file …)`), or nil when they do not:
    /// the same file by path or by device and inode, or the same server and database.
    private func sameJournal() throws -> String? {
        switch (Journal.isServer(from), Journal.isServer(to)) {
        case (true, true):
            let a = try PostgresLocation(from, environment: [:])
            let b = try PostgresLocation(to, environment: [:])
            let same = a.host.lowercased() == b.host.lowercased() && a.port == b.port && a.database == b.database
            return same ? " (the database \(a.database) on \(a.host):\(a.port))" : nil
        case (false, false):
            let a = URL(fileURLWithPath: from).standardizedFileURL.resolvingSymlinksInPath().path
            let b = URL(fileURLWithPath: to).standardizedFileURL.resolvingSymlinksInPath().path
            if a == b { return " (the file \(a))" }
            let manager = FileManager.default
            guard let first = try? manager.attributesOfItem(atPath: from), let second = try? manager.attributesOfItem(atPath: to),
                let device = first[.systemNumber] as? Int, let inode = first[.systemFileNumber] as? Int
            else { return nil }
            let same = device == second[.systemNumber] as? Int && inode == second[.systemFileNumber] as? Int
            return same ? " (the file \(a), under two names)" : nil
        default:
            return nil
        }
    }
}
