import DockerEngine
import FuzzSupport

/// What the engine's JSON says, read into molt's models, and a container's replacement
/// worked out from an inspect: `{"container": INSPECT, "image": IMAGE INSPECT}`, or any
/// document, read as every model in turn.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEngineJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let document = try? JSONValue(json: input.bytes) else { return 0 }
    _ = try? EngineVersion(raw: document)
    _ = try? ContainerSummary(raw: document)
    _ = try? PathStat(raw: document)
    _ = try? Volume(raw: document)
    _ = try? ImageDetails(raw: document)
    _ = ContainerState(raw: document)
    _ = HealthState(raw: document)
    _ = PullProgress(raw: document)
    guard let container = try? ContainerDetails(raw: document["container"] ?? document) else { return 0 }
    _ = container.networkNames
    // The image the container runs, so that recreation gets past its first check.
    var imageDocument = document["image"] ?? .object([:])
    imageDocument["Id"] = .string(container.image)
    let image = try? ImageDetails(raw: imageDocument)
    let names = Dictionary(
        (document["names"]?.objectValue ?? [:]).compactMap { id, name in name.stringValue.map { (id, $0) } },
        uniquingKeysWith: { first, _ in first })
    let replacements = Dictionary(
        container.mounts.compactMap { mount in mount.name.map { ($0, $0 + ".molt-trial") } },
        uniquingKeysWith: { first, _ in first })
    _ = try? ContainerRecreation(
        container: container, oldImage: image, image: "registry:5000/web:2.0", labels: ["molt.run": "fuzz"],
        apiVersion: DockerAPIVersion(major: 1, minor: input.pick([41, 44])), envOverrides: ["MODE": "trial"],
        mountReplacements: input.pick([[:], replacements], salt: 1), dropPortBindings: input.pick([false, true], salt: 2),
        readOnlyUnlessReplaced: input.pick([false, true], salt: 3), containerNames: names)
    return 0
}
