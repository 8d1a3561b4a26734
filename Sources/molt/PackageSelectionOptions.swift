import ArgumentParser
import Fleet

/// `--image GLOB`, `--package NAME` and `--below VERSION`: how `find` and `patch` pick
/// containers by their image or by a package installed in them.
struct PackageSelectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Containers whose image reference matches this glob, e.g. '*/web:1.*'.", valueName: "GLOB"))
    var image: String?

    @Option(help: ArgumentHelp("Containers with this package installed.", valueName: "NAME"))
    var package: String?

    @Option(help: ArgumentHelp(
        "Only installed versions strictly below this one (needs --package). Per format: dpkg:VERSION or apk:VERSION; repeat or join with commas.",
        valueName: "VERSION"))
    var below: [String] = []

    func validate() throws {
        guard !below.isEmpty else { return }
        guard package != nil else { throw ValidationError("--below needs --package") }
        do {
            _ = try VersionBounds(below)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The `--below` bounds, if given.
    func bounds() throws -> VersionBounds? {
        below.isEmpty ? nil : try VersionBounds(below)
    }
}
