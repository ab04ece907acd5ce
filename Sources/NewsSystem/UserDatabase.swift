#if canImport(Glibc)
import Glibc
#endif

/// Users and groups by name and number (the passwd and group databases, through NSS). The
/// reentrant calls: lookups may run on several threads at once.
public enum UserDatabase {
    /// The effective user id of this process.
    public static var effectiveUserID: UInt32 { geteuid() }

    /// The id of the user called `name`, nil if there is none.
    public static func userID(named name: String) -> UInt32? {
        lookUp({ getpwnam_r(name, $0, $1, $2, $3) }, { (entry: passwd) in entry.pw_uid })
    }

    /// The name of user `uid`, nil if it has none.
    public static func userName(_ uid: UInt32) -> String? {
        lookUp({ getpwuid_r(uid, $0, $1, $2, $3) }, { (entry: passwd) in String(cString: entry.pw_name) })
    }

    /// The id of the group called `name`, nil if there is none.
    public static func groupID(named name: String) -> UInt32? {
        lookUp({ getgrnam_r(name, $0, $1, $2, $3) }, { (entry: group) in entry.gr_gid })
    }

    /// Runs a `get*_r` call, growing its buffer while it answers ERANGE, and reads the entry
    /// while the buffer its strings point into is alive.
    private static func lookUp<Entry, R>(
        _ call: (UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>) -> Int32,
        _ read: (Entry) -> R
    ) -> R? {
        var size = 1024
        while size <= 1 << 20 {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let entry = UnsafeMutablePointer<Entry>.allocate(capacity: 1)
            defer { entry.deallocate() }
            var result: UnsafeMutablePointer<Entry>?
            let rc = call(entry, buffer, size, &result)
            if rc == ERANGE {
                size *= 4
                continue
            }
            guard rc == 0, let found = result else { return nil }
            return read(found.pointee)
        }
        return nil
    }
}
