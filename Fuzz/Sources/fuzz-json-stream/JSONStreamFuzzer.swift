import FuzzSupport

@testable import DockerEngine

/// A pull's progress stream: concatenated JSON documents cut by bracket depth, each parsed
/// and read as progress.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONStream(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    var splitter = JSONStreamSplitter(maxDocumentSize: 1024)
    for piece in input.pieces() {
        guard let documents = try? splitter.split(piece) else { break }
        for document in documents {
            if let value = try? JSONValue(json: document) {
                _ = PullProgress(raw: value)
            }
        }
    }
    _ = splitter.hasPartialDocument
    return 0
}
