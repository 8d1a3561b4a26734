import ArgumentParser
import Fleet

/// `molt find`.
struct FindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Find containers across the fleet by image, or by a package installed in them.",
        discussion: """
            Packages are read from each container's own dpkg or apk database through the Docker \
            archive API, stopped containers included, and compared with Debian or apk version \
            ordering. The first step of a fleet-wide emergency:
              molt find -i hosts.yml --package libssl3 --below 3.0.15-1~deb12u1
            Exits 3 when some hosts could not be searched, 5 when none could.
            """
    )

    @Argument(help: "Ansible host pattern.")
    var pattern: String = "all"

    @OptionGroup var selection: PackageSelectionOptions

    @Flag(help: "Include retained, trial and lock containers (NAME.molt-prev, …).")
    var all = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard selection.image != nil || selection.package != nil else { throw ValidationError("give --image GLOB or --package NAME") }
    }

    func run() async throws {
        let inventory = try global.loadInventory()
        let fleet = try global.fleet(inventory, pattern: pattern)
        let bounds = try selection.bounds()
        let query = FindAction.Query(imageGlob: selection.image, package: selection.package, below: bounds, all: all)
        let report = await FindAction(fleet: fleet, query: query).perform()

        switch global.output {
        case .json: try Console.printJSON(report)
        case .text: Console.print(text(report))
        }
        for problem in report.errors {
            Console.error([problem.host, problem.container, problem.error].compactMap { $0 }.joined(separator: ": "))
        }
        let lostHosts = Set(report.errors.filter(\.isHostLevel).map(\.host))
        if report.hostsSearched == 0 { throw ExitCode(ExitStatus.noHostReached) }
        if !lostHosts.isEmpty || !report.errors.isEmpty { throw ExitCode(ExitStatus.partial) }
    }

    private func text(_ report: FindReport) -> String {
        let what = selection.package.map { name in selection.below.isEmpty ? name : "\(name) below \(selection.below.joined(separator: ","))" } ?? "image \(selection.image ?? "")"
        let summary = "\(report.matches.count) container\(report.matches.count == 1 ? "" : "s") with \(what) on \(Set(report.matches.map(\.host)).count) of \(report.hostsSearched) host\(report.hostsSearched == 1 ? "" : "s") searched"
        guard !report.matches.isEmpty else { return summary }
        var header = ["HOST", "CONTAINER", "IMAGE", "STATE"]
        if selection.package != nil { header += ["PACKAGE", "VERSION"] }
        let rows = report.matches.map { match in
            [match.host, match.container, match.image, match.state] + (selection.package != nil ? [match.package ?? "", match.version ?? ""] : [])
        }
        return Table(header: header, rows: rows).text + "\n" + summary
    }
}
