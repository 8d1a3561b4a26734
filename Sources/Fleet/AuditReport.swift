import Foundation

/// What `molt audit` found: drift across the fleet (SPEC §8), and the hosts or containers
/// that could not be audited. Encodes to `{"findings","hosts_searched","errors"}`.
public struct AuditReport: Sendable, Encodable {
    public var findings: [AuditFinding]
    /// Hosts (or single containers) that could not be audited, so "clean" is never mistaken
    /// for "not looked at".
    public var errors: [FindProblem]
    /// How many hosts were audited.
    public var hostsSearched: Int

    public init(findings: [AuditFinding], errors: [FindProblem], hostsSearched: Int) {
        self.findings = findings
        self.errors = errors
        self.hostsSearched = hostsSearched
    }

    /// The exit status of SPEC §8: 5 when no host was reached, 3 when something was found or
    /// something could not be audited, 0 when the fleet is clean.
    public var exitStatus: Int32 {
        if hostsSearched == 0 { return 5 }
        return findings.isEmpty && errors.isEmpty ? 0 : 3
    }

    /// The findings as an operator reads them: one table per kind, each under the line that
    /// says what it means and how to fix it, then a summary line.
    public var text: String {
        var sections: [String] = []
        for kind in AuditFinding.Kind.allCases {
            let found = findings.filter { $0.kind == kind }
            guard !found.isEmpty else { continue }
            let rows = found.map { [$0.host, $0.container, $0.image, $0.detail] }
            sections.append("\(kind.rawValue) (\(found.count)): \(kind.hint)\n" + Self.columns(["HOST", "CONTAINER", "IMAGE", "DETAIL"], rows))
        }
        let hosts = "\(hostsSearched) host\(hostsSearched == 1 ? "" : "s") audited"
        let summary = findings.isEmpty
            ? "no drift found; \(hosts)"
            : "\(findings.count) finding\(findings.count == 1 ? "" : "s") on \(Set(findings.map(\.host)).count) host(s); \(hosts)"
        return (sections + [summary]).joined(separator: "\n\n")
    }

    enum CodingKeys: String, CodingKey {
        case findings, errors
        case hostsSearched = "hosts_searched"
    }

    /// Left-aligned columns with two-space gutters; a multi-line detail continues under its column.
    static func columns(_ header: [String], _ rows: [[String]]) -> String {
        let lines = [header] + rows
        var widths = header.map(\.count)
        for row in lines {
            for (index, cell) in row.enumerated() where index < header.count - 1 {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return lines.flatMap { row -> [String] in
            let detail = row.last?.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) ?? [""]
            let lead = row.dropLast().enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined()
            let blank = String(repeating: " ", count: lead.count)
            return detail.enumerated().map { ($0 == 0 ? lead : blank) + $1 }
        }.map { $0.replacing(/\s+$/, with: "") }.joined(separator: "\n")
    }
}

/// One way one container drifted from "exactly its image, and its image the current build".
public struct AuditFinding: Sendable, Encodable, Hashable {
    /// The kinds of SPEC §8, in the order the report shows them.
    public enum Kind: String, Sendable, Encodable, Hashable, CaseIterable {
        case patched
        case changedInPlace = "changed-in-place"
        case localImage = "local-image"
        case staleTag = "stale-tag"
        case mixed

        /// One line: what it means and the way out.
        public var hint: String {
            switch self {
            case .patched:
                "a stopgap ran in these containers; replace them with the rebuilt image: molt rollout PLAYBOOK -i INV --image IMAGE"
            case .changedInPlace:
                "packages changed inside the running container, not in its image; rebuild the image and molt rollout PLAYBOOK -i INV"
            case .localImage:
                "the image was built or committed on the host and cannot be pulled elsewhere; push a build and molt rollout PLAYBOOK -i INV --image IMAGE"
            case .staleTag:
                "the registry has a newer build under this tag; molt rollout PLAYBOOK -i INV (pull: always) to run it"
            case .mixed:
                "one service runs different images across hosts; molt rollout PLAYBOOK -i INV --image IMAGE to make it uniform"
            }
        }
    }

    public var host: String
    public var container: String
    /// The image as the container names it.
    public var image: String
    public var kind: Kind
    /// What was seen: the patch lines, the package changes, the history's top entry, the digests, the image IDs per host.
    public var detail: String

    public init(host: String, container: String, image: String, kind: Kind, detail: String) {
        self.host = host
        self.container = container
        self.image = image
        self.kind = kind
        self.detail = detail
    }
}
