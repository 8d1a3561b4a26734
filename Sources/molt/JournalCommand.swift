import ArgumentParser
import Foundation
import Journal

/// `molt journal`: work on a journal as a whole.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Work on a journal as a whole: copy it between SQLite and PostgreSQL.",
        subcommands: [JournalCopyCommand.self]
    )
}

/// `molt journal copy FROM TO`.
struct JournalCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every run of one journal into another: SQLite into PostgreSQL, or back.",
        discussion: """
            Copies each run with its batches, steps and outcomes: run IDs, times, results, details, \
            coordinators and PIDs as they were, steps and outcomes in their order (a run still \
            running, or waiting at a gate, is copied as it stands). Each run is written in one \
            transaction; a run TO already holds is left as it is and counted, so copying again is \
            harmless and finishes a copy that stopped part way. FROM must already be a journal; TO \
            is created or migrated as --journal would. Locks are not part of a journal: they live on \
            the hosts. Exit 2 when either journal cannot be opened or read, or FROM and TO are the \
            same.
            """
    )

    @Argument(help: ArgumentHelp("The journal to copy: an SQLite file, or postgres://USER[:PASSWORD]@HOST[:PORT]/DB.", valueName: "FROM"))
    var from: String

    @Argument(help: ArgumentHelp("The journal to copy into, in the same forms (the password also from PGPASSWORD or ~/.pgpass).", valueName: "TO"))
    var to: String

    func run() async throws {
        let summary: JournalCopy.Summary
        do {
            summary = try await JournalCopy(from: from, to: to).perform()
        } catch let error as JournalError {
            throw BadInput(error.description)
        } catch {
            throw BadInput("cannot copy \(Journal.withoutPassword(from)) to \(Journal.withoutPassword(to)): \(error)")
        }
        Console.print(summary.description)
    }
}
