import CNewsdSystem

#if canImport(Glibc)
import Glibc
#endif

/// An inotify instance (inotify(7)), non-blocking and close-on-exec, whose events come back as
/// Swift values.
///
/// The descriptor is not closed on deinit: a Dispatch read source watches `fd`, and the
/// descriptor may be closed only once that source can no longer use it, in its cancel
/// handler (`close()`).
public struct Inotify: Sendable {
    /// The instance's descriptor, for a Dispatch read source.
    public let fd: Int32

    /// Opens a new instance.
    public init() throws(SystemError) {
        fd = try syscall("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
    }

    /// Watches `path` for the events in `mask`; returns the watch descriptor, which events
    /// carry. Watching a path already watched changes its mask and returns the same descriptor.
    @discardableResult
    public func addWatch(_ path: String, mask: InotifyEvent.Mask) throws(SystemError) -> Int32 {
        try syscall("inotify_add_watch", path) { inotify_add_watch(fd, path, mask.rawValue) }
    }

    /// Stops a watch. The kernel then queues an `ignored` event for it.
    public func removeWatch(_ watch: Int32) throws(SystemError) {
        try syscall("inotify_rm_watch") { inotify_rm_watch(fd, watch) }
    }

    /// The events queued now, decoded: one read of up to 64 KiB. Empty when none are waiting;
    /// call again until it is, to drain the queue.
    public func readEvents() throws(SystemError) -> [InotifyEvent] {
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        let n = try nonBlockingSyscall("read", "inotify") {
            buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        }
        guard let n, n > 0 else { return [] }
        return Self.decode(buffer[..<n])
    }

    /// Closes the instance: in the cancel handler of the Dispatch source reading it.
    public func close() {
        _ = Glibc.close(fd)
    }

    /// Enough for hundreds of events; more wait for the next read.
    static let readSize = 64 * 1024

    /// Decodes `struct inotify_event` records: a fixed header (wd, mask, cookie, len), then
    /// `len` bytes of name padded with NULs.
    static func decode(_ bytes: ArraySlice<UInt8>) -> [InotifyEvent] {
        let header = MemoryLayout<inotify_event>.size
        let maskOffset = MemoryLayout<inotify_event>.offset(of: \.mask)!
        let cookieOffset = MemoryLayout<inotify_event>.offset(of: \.cookie)!
        let lengthOffset = MemoryLayout<inotify_event>.offset(of: \.len)!
        var events: [InotifyEvent] = []
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset + header <= raw.count {
                let length = Int(raw.loadUnaligned(fromByteOffset: offset + lengthOffset, as: UInt32.self))
                let nameBytes = raw[(offset + header)..<min(raw.count, offset + header + length)]
                events.append(
                    InotifyEvent(
                        watch: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                        mask: InotifyEvent.Mask(rawValue: raw.loadUnaligned(fromByteOffset: offset + maskOffset, as: UInt32.self)),
                        cookie: raw.loadUnaligned(fromByteOffset: offset + cookieOffset, as: UInt32.self),
                        name: Array(nameBytes.prefix { $0 != 0 })))
                offset += header + length
            }
        }
        return events
    }
}

/// One inotify event.
public struct InotifyEvent: Sendable, Equatable {
    /// The watch it belongs to (`Inotify.addWatch`'s result); -1 for `queueOverflow`.
    public var watch: Int32
    /// What happened, and flags about it.
    public var mask: Mask
    /// Pairs the `movedFrom` and `movedTo` events of one rename; 0 otherwise.
    public var cookie: UInt32
    /// The entry's name in the watched directory, as bytes; empty for an event on the watched
    /// object itself.
    public var name: [UInt8]

    public init(watch: Int32, mask: Mask, cookie: UInt32 = 0, name: [UInt8]) {
        self.watch = watch
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    /// inotify's event bits (inotify(7)): those to watch for, flags for `addWatch`, and those
    /// the kernel adds on its own.
    public struct Mask: OptionSet, Sendable, Hashable {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// A file opened for writing was closed.
        public static let closeWrite = Mask(rawValue: UInt32(IN_CLOSE_WRITE))
        /// An entry was renamed into the directory.
        public static let movedTo = Mask(rawValue: UInt32(IN_MOVED_TO))
        /// An entry was renamed out of the directory.
        public static let movedFrom = Mask(rawValue: UInt32(IN_MOVED_FROM))
        /// An entry was created.
        public static let create = Mask(rawValue: UInt32(IN_CREATE))
        /// An entry was deleted.
        public static let delete = Mask(rawValue: UInt32(IN_DELETE))
        /// The watched object itself was deleted.
        public static let deleteSelf = Mask(rawValue: UInt32(IN_DELETE_SELF))
        /// The watched object itself was moved.
        public static let moveSelf = Mask(rawValue: UInt32(IN_MOVE_SELF))
        /// `addWatch` flag: fail unless the path is a directory.
        public static let onlyDirectory = Mask(rawValue: UInt32(IN_ONLYDIR))
        /// Added by the kernel: the watch was removed (explicitly, or its object is gone).
        public static let ignored = Mask(rawValue: UInt32(IN_IGNORED))
        /// Added by the kernel: the filesystem holding the watched object was unmounted.
        public static let unmount = Mask(rawValue: UInt32(IN_UNMOUNT))
        /// Added by the kernel: events were lost (watch -1).
        public static let queueOverflow = Mask(rawValue: UInt32(IN_Q_OVERFLOW))
        /// Added by the kernel: the entry is a directory.
        public static let isDirectory = Mask(rawValue: UInt32(IN_ISDIR))
    }
}
