#if canImport(Glibc)
import Glibc
#endif

/// Helpers for connected stream sockets, Unix or TCP, on their descriptors. A descriptor read
/// through a Dispatch source is closed (`close`) only in that source's cancel handler.
public enum Socket {
    /// Closes `fd`. Not retried on EINTR: Linux releases the descriptor even then, and a
    /// second close could close a descriptor another thread has just been given.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Makes calls on `fd` wait (`true`) or return EAGAIN at once (`false`): O_NONBLOCK.
    public static func setBlocking(_ fd: Int32, _ blocking: Bool) {
        guard let flags = try? syscall("fcntl", "F_GETFL", { fcntl(fd, F_GETFL) }) else { return }
        let wanted = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK
        if wanted != flags { _ = try? syscall("fcntl", "F_SETFL") { fcntl(fd, F_SETFL, wanted) } }
    }

    /// Sets send and receive time-outs on a socket: a blocking call that waits longer fails
    /// with EAGAIN.
    public static func setTimeouts(_ fd: Int32, seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Receives into `buffer` (up to its count): the number of bytes, 0 when the peer closed
    /// its end, nil when nothing is waiting on a non-blocking socket or a time-out passed.
    public static func receive(_ fd: Int32, into buffer: inout [UInt8]) throws(SystemError) -> Int? {
        try nonBlockingSyscall("recv") { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
    }

    /// Whether data, or the end of the stream, is waiting to be read; never waits.
    public static func hasInputWaiting(_ fd: Int32) -> Bool {
        var peek: UInt8 = 0
        return (try? syscall("recv") { recv(fd, &peek, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) }) != nil
    }

    /// Sends what the socket takes of `bytes` at once, never waiting; the number of bytes
    /// sent, nil if none could be. Never raises SIGPIPE.
    @discardableResult
    public static func sendNow(_ fd: Int32, _ bytes: [UInt8]) -> Int? {
        try? syscall("send") { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } }
    }

    /// Sends `bytes[offset...]`, or as much as one call takes; the number of bytes sent.
    /// Never raises SIGPIPE.
    public static func send(_ fd: Int32, _ bytes: [UInt8], from offset: Int = 0) throws(SystemError) -> Int {
        try syscall("send") { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) } }
    }

    /// Writes all of `bytes`, retrying short writes.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try send(fd, bytes, from: offset)
        }
    }
}
