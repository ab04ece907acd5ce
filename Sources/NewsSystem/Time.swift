#if canImport(Glibc)
import Glibc
#endif

/// The UTC calendar date of a time (seconds since 1970), as gmtime_r(3) gives it.
public func utcDate(secondsSince1970 seconds: Int) -> (year: Int, month: Int, day: Int) {
    var t = time_t(seconds)
    var parts = tm()
    gmtime_r(&t, &parts)
    return (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
}

/// Seconds since 1970 at 00:00 UTC of a calendar date, as timegm(3) gives it: a day past the
/// month's end counts on into the next month (February 31 is March 2 or 3).
public func utcSeconds(year: Int, month: Int, day: Int) -> Int {
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month - 1)
    parts.tm_mday = Int32(day)
    return Int(timegm(&parts))
}

/// The kernel's clock ticks per second (sysconf `_SC_CLK_TCK`): the unit of /proc's CPU times.
public var clockTicksPerSecond: Int { sysconf(Int32(_SC_CLK_TCK)) }

/// Seconds since 1970 when the machine booted: the wall clock less the time since boot, both
/// read now (not /proc/stat's btime, which systemd's ProcSubset=pid hides).
public func bootTime() -> Double {
    var real = timespec()
    var boot = timespec()
    clock_gettime(CLOCK_REALTIME, &real)
    clock_gettime(CLOCK_BOOTTIME, &boot)
    return Double(real.tv_sec - boot.tv_sec) + Double(real.tv_nsec - boot.tv_nsec) / 1e9
}
