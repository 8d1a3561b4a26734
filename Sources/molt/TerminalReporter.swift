import Durations
import Foundation
import Rollout
import Synchronization

/// Progress on a real terminal: finished hosts scroll up as lines, and below them a block
/// of what every busy host is doing right now, with its elapsed time, redrawn in place.
///
/// Used only when standard output is a terminal, `TERM` is not `dumb` and `-v` was not
/// given; otherwise ``TextReporter`` prints one line per event.
final class TerminalReporter: RolloutReporter, Sendable {
    private struct Busy {
        var label: String
        var step: String
        var since: ContinuousClock.Instant
    }

    private struct State {
        var busy: [(key: String, value: Busy)] = []
        var drawn = 0
        var finished = false
    }

    private let lines: TextReporter
    private let state = Mutex(State())

    init() {
        lines = TextReporter(verbose: false)
        let ticker = Thread { [weak self] in
            while let self, !self.state.withLock({ $0.finished }) {
                self.redraw(printing: [])
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        ticker.start()
    }

    /// The terminal's width, 80 when it cannot be asked.
    static var columns: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Whether progress can be redrawn in place here.
    static var isUsable: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"].map { $0 != "dumb" && !$0.isEmpty } == true
    }

    func report(_ event: RolloutEvent) {
        let key = [event.host, event.service].compactMap { $0 }.joined(separator: " ")
        var permanent: [String] = []
        state.withLock { state in
            switch event.event {
            case .hostStep where event.host != nil:
                let busy = Busy(label: key, step: event.message ?? "", since: state.busy.first { $0.key == key }?.value.since ?? .now)
                if let index = state.busy.firstIndex(where: { $0.key == key }) {
                    state.busy[index].value = busy
                } else {
                    state.busy.append((key, busy))
                }
            case .hostUpdated, .hostSkipped, .hostFailed, .hostRolledBack, .hostDegraded, .hostInterrupted:
                state.busy.removeAll { $0.key == key }
                permanent = lines.render(event)
            case .runFinished:
                state.busy.removeAll()
                state.finished = true
                permanent = lines.render(event)
            default:
                permanent = lines.render(event)
            }
        }
        redraw(printing: permanent)
    }

    /// Clears the block, prints `permanent` lines above where it was, draws it again.
    private func redraw(printing permanent: [String]) {
        state.withLock { state in
            var output = String(repeating: "\u{1B}[1A\u{1B}[2K", count: state.drawn)
            for line in permanent { output += line + "\n" }
            let now = ContinuousClock.now
            let block = state.busy.map { entry in
                let elapsed = now - entry.value.since
                // A wrapped line would break the count of lines to redraw: cut to the width.
                return String(String(format: "  %@: %@ (%.0fs)", entry.value.label, entry.value.step, elapsed.seconds).prefix(Self.columns - 1))
            }
            for line in block { output += line + "\n" }
            state.drawn = block.count
            FileHandle.standardOutput.write(Data(output.utf8))
        }
    }
}
