import Foundation
import MoltTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// More hosts at once than descriptors allow: every host fails with its reason, molt exits with
/// its code, and it never traps (SessionLoop used to, with "pipe failed: Too many open files").
@Suite("molt short of file descriptors")
struct DescriptorLimitTests {
    @Test("80 hosts at once under a hard limit of 24 open files: each fails by name with a reason, exit 5, no trap")
    func outOfDescriptors() async throws {
        // A listener that never accepts: connections complete through its backlog and then
        // hang in the SSH handshake, so every host holds its descriptors at once.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 1024) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let scratch = try TemporaryDirectory()
        var inventory = "all:\n  vars:\n    ansible_ssh_common_args: -o ConnectTimeout=3\n  hosts:\n"
        for index in 0..<80 { inventory += "    h\(index): {ansible_host: 127.0.0.1, ansible_port: \(port)}\n" }
        let path = try scratch.write("inventory.yml", inventory)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = scratch.path
        environment["SSH_AUTH_SOCK"] = nil
        environment["MOLT_INVENTORY"] = nil
        let result = try await ChildProcess.run(
            ["/bin/sh", "-c", "ulimit -Sn 24 && ulimit -Hn 24 && exec \"$0\" \"$@\"", Program.executable,
             "status", "-i", path, "--forks", "80", "--known-hosts", "/dev/null"],
            environment: environment, directory: scratch.path)
        #expect(result.status == 5, "exit \(result.status): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        for index in 0..<80 {
            #expect(lines.contains { $0.hasPrefix("molt: h\(index): ") }, "h\(index) is not named: \(result.stderr)")
        }
        #expect(result.stderr.contains("open files") || result.stderr.contains("file descriptor"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)")
    }
}
