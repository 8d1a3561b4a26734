import Foundation
import SSH

#if canImport(Glibc)
import Glibc
#endif

/// Asks for the passphrases of encrypted key files on the terminal, echo off, once per file
/// per run: every host needing the same file waits for the one question, and questions about
/// different files come one after the other.
///
/// Reading the terminal blocks, so it happens on a thread of its own, never on one of the
/// threads async code shares.
actor TerminalPassphrases: SSHPassphraseSource {
    private var answers: [String: Task<String?, Never>] = [:]
    private var lastQuestion: Task<String?, Never>?

    /// A source when standard input is a terminal (someone can answer), else `nil`.
    static func ifInteractive() -> TerminalPassphrases? {
        isatty(STDIN_FILENO) == 1 ? TerminalPassphrases() : nil
    }

    func passphrase(forKeyFile path: String) async -> String? {
        if let asked = answers[path] { return await asked.value }
        let previous = lastQuestion
        let question = Task<String?, Never> {
            _ = await previous?.value
            return await Self.ask("Enter passphrase for key '\(path)': ")
        }
        answers[path] = question
        lastQuestion = question
        return await question.value
    }

    private static func ask(_ prompt: String) async -> String? {
        await withCheckedContinuation { (answered: CheckedContinuation<String?, Never>) in
            let thread = Thread { answered.resume(returning: readWithoutEcho(prompt)) }
            thread.name = "passphrase prompt"
            thread.start()
        }
    }

    /// Prompts on `/dev/tty` and reads one line with echo off; `nil` when there is no
    /// terminal or nothing was typed.
    private static func readWithoutEcho(_ prompt: String) -> String? {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else { return nil }
        defer { close(tty) }
        var saved = termios()
        guard tcgetattr(tty, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        _ = prompt.withCString { write(tty, $0, strlen($0)) }
        guard tcsetattr(tty, TCSAFLUSH, &quiet) == 0 else { return nil }
        defer { _ = tcsetattr(tty, TCSAFLUSH, &saved) }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(tty, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
            line.append(byte)
        }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }
}
