import FuzzSupport

@testable import DockerEngine

/// Container logs and exec output: the engine's multiplexed frames (or raw bytes), cut into
/// reads anywhere, and then split into lines.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogStream(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    var decoder = MultiplexedStreamDecoder(mode: input.pick([.multiplexed, .detect, .raw], salt: 1))
    var logs = ContainerLogs.Builder()
    for piece in input.pieces() {
        for (stream, bytes) in decoder.decode(piece) { logs.append(bytes, from: stream) }
    }
    if let rest = try? decoder.finish() {
        for (stream, bytes) in rest { logs.append(bytes, from: stream) }
    }
    _ = logs.finish()
    return 0
}
